import Testing

@testable import LunaPipeCore

/// Danish numbers reject a leading thousands group of 0 (issue 23, item 6):
/// `0.103` in a file stated `.danish` is a plain decimal written the other
/// way, not 103.
@Suite struct NumberParsingLeadingGroupTests {
  func decimal(_ s: String, scale: Int = 2) -> Int64? {
    let r = Array(s.utf8).withUnsafeBytes { NumberParsing.decimal($0, scale: scale, format: .danish) }
    guard case .success(let v) = r else { return nil }
    return v
  }
  func integer(_ s: String) -> Int64? {
    guard case .success(let v) = Array(s.utf8).withUnsafeBytes({ NumberParsing.integer($0, format: .danish) })
    else { return nil }
    return v
  }

  @Test func aLeadingGroupOfZeroIsNotANumber() {
    #expect(decimal("0.103") == nil)
    #expect(decimal("0.103,50") == nil)
    #expect(decimal("-0.103") == nil)
    #expect(decimal("00.103") == nil)
    #expect(decimal("000.103.000") == nil)
    #expect(integer("0.103") == nil)
    #expect(integer("+0.103") == nil)
  }

  /// A first group that begins with 0 is no thousands group either: a
  /// grouped number is never written with leading zeros.
  @Test func aLeadingGroupWithALeadingZeroIsNotANumber() {
    #expect(decimal("012.345") == nil)
    #expect(integer("01.000") == nil)
  }

  @Test func zeroAndZeroCommaStayNumbers() {
    #expect(decimal("0") == 0)
    #expect(decimal("0,5") == 50)
    #expect(decimal("-0,07") == -7)
    #expect(decimal("0,103", scale: 3) == 103)
    #expect(integer("0") == 0)
    #expect(integer("-0") == 0)
  }

  @Test func otherGroupsStillParse() {
    #expect(decimal("1.103") == 110_300)
    #expect(decimal("10.103,5") == 1_010_350)
    #expect(decimal("100.000.000") == 10_000_000_000)
    #expect(decimal("1.000,05") == 100_005)
    #expect(integer("1.030") == 1_030)
    #expect(integer("-20.000") == -20_000)
  }

  /// The text-record path (a supplied table, the register) agrees.
  @Test func textFieldsAgree() {
    #expect((try? TextField.decimal("0.103", scale: 2, format: .danish).get()) == nil)
    #expect((try? TextField.integer("0.103", in: 0...999_999, format: .danish).get()) == nil)
    #expect((try? TextField.integer("1.103", in: 0...999_999, format: .danish).get()) == 1_103)
    #expect((try? TextField.decimal("0,103", scale: 3, format: .danish).get()) == 103)
  }
}
