import Testing

@testable import LunaPipeCore

@Suite struct NumberParsingTests {
  func decimal(_ s: String, _ format: NumberFormat = .danish) -> Result<Int64, NumberProblem> {
    Array(s.utf8).withUnsafeBytes { NumberParsing.decimal($0, scale: 2, format: format) }
  }
  func value(_ s: String, _ format: NumberFormat = .danish) -> Int64? {
    if case .success(let v) = decimal(s, format) { return v }
    return nil
  }

  @Test func emptyAndSignOnlyAreNotNumbers() {
    #expect(value("") == nil)
    #expect(value("-") == nil)
    #expect(value(",") == nil)
    #expect(value("1,") == nil)
  }

  @Test func danishAmounts() {
    #expect(value("1.234,50") == 123_450)
    #expect(value("-345,00") == -34_500)
    #expect(value("1234,5") == 123_450)
    #expect(value("0,07") == 7)
    #expect(value("12.345.678,91") == 1_234_567_891)
    #expect(value("+5") == 500)
    #expect(value("258") == 25_800)
  }

  @Test func thousandsGroupsMustHaveThreeDigits() {
    #expect(value("12.34,5") == nil)
    #expect(value("1.2.3,4") == nil)
    #expect(value(".123,00") == nil)
    #expect(value("1234.567,00") == nil)
    #expect(value("1.23") == nil)
  }

  @Test func atMostTwoDecimalsUnlessTrailingZeros() {
    guard case .failure(.tooManyDecimals) = decimal("1,234") else {
      Issue.record("1,234 should have too many decimals")
      return
    }
    #expect(value("12,500") == 1250)
  }

  @Test func plainFormatUsesThePoint() {
    #expect(value("1234.50", .plain) == 123_450)
    #expect(value("1.234,50", .plain) == nil)
    #expect(value("1234,50", .plain) == nil)
  }

  @Test func overflowIsAnError() {
    guard case .failure(.overflow) = decimal("99999999999999999999") else {
      Issue.record("20 digits should overflow")
      return
    }
  }

  @Test func integers() {
    func int(_ s: String) -> Int64? {
      if case .success(let v) = Array(s.utf8).withUnsafeBytes({ NumberParsing.integer($0, format: .danish) }) {
        return v
      }
      return nil
    }
    #expect(int("2019") == 2019)
    #expect(int("-1") == -1)
    #expect(int("1.000") == 1000)
    #expect(int("1,5") == nil)
    #expect(int("x1") == nil)
    #expect(int("") == nil)
  }
}
