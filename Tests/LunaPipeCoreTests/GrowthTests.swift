import Testing

@testable import LunaPipeCore

@Suite struct GrowthTests {
  func pct(_ first: Int64, _ last: Int64) -> String? {
    Growth.between(Rational(first), Rational(last), .relative)?.formatted(decimals: 0)
  }

  @Test func zeroBaseGivesAnEmptyCell() {
    #expect(pct(0, 7) == nil)
    #expect(Growth.between(nil, Rational(3), .relative) == nil)
  }

  @Test func roundsHalfAwayFromZero() {
    #expect(pct(200, 201) == "1")  // 0.5 → 1
    #expect(pct(200, 199) == "-1")  // -0.5 → -1
    #expect(pct(1000, 1004) == "0")  // 0.4 → 0
    #expect(pct(1000, 1015) == "2")  // 1.5 → 2
    #expect(pct(1000, 985) == "-2")  // -1.5 → -2
    #expect(pct(1000, 1000) == "0")
  }

  @Test func growthComesFromUnroundedValues() {
    // 100.4 → 101.6 is 1.195...%: from the printed 100 and 102 it would be 2 %.
    let g = Growth.between(Rational(1004, 10), Rational(1016, 10), .relative)
    #expect(g?.formatted(decimals: 0) == "1")
  }

  @Test func percentagePointsAreADifference() {
    let g = Growth.between(Rational(125, 10), Rational(101, 10), .percentagePoints)
    #expect(g?.formatted(decimals: 0) == "-2")  // -2.4
  }

  @Test func formattingWithDanishMarks() {
    #expect(Rational(123_456_789, 100).formatted(decimals: 2, mark: ",", group: ".") == "1.234.567,89")
    #expect(Rational(-5, 1000).formatted(decimals: 2) == "-0.01")  // -0.005 → -0.01
    #expect(Rational(7, 3).formatted(decimals: 2) == "2.33")
    #expect(Rational(999).formatted(decimals: 0, group: ".") == "999")
    #expect(Rational(1000).formatted(decimals: 0, group: ".") == "1.000")
  }
}
