import TestSupport
import Testing

@_spi(Testing) import LunaPipeCore

/// `PlainSplitter` agrees with libcsv in the dialects a user may state
/// (`CSVDialect`): any delimiter byte, space included (libcsv then trims
/// only TABs), and no trimming at all (libcsv given a space function that
/// names no byte, a line of spaces a record).
@Suite struct PlainSplitterDialectTests {
  static let alphabet: [UInt8] = Array(";,|\t \r\n\r\nab1".utf8) + [0, 0xC3, 0xB8]

  static func randomDifferences(delimiter: UInt8, trims: Bool) -> [String] {
    var rng = SeededGenerator(seed: UInt64(delimiter) &* 31 &+ (trims ? 1 : 0))
    var failures: [String] = []
    for round in 0..<3000 {
      let n = round < 200 ? round : Int(rng.next() % 300)
      let bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
      if let d = TokenizerAgreement.difference(bytes, delimiter: delimiter, trims: trims) { failures.append(d) }
    }
    return failures
  }

  @Test(arguments: [UInt8(0x20), UInt8(ascii: "|")])
  func otherDelimitersAgreeWithLibCSV(delimiter: UInt8) {
    let failures = Self.randomDifferences(delimiter: delimiter, trims: true)
    #expect(failures.isEmpty, "\(failures.count) inputs differ; first: \(failures.first ?? "")")
  }

  @Test(arguments: [UInt8(0x3B), 0x2C, 0x09, 0x20])
  func noTrimmingAgreesWithLibCSV(delimiter: UInt8) {
    let failures = Self.randomDifferences(delimiter: delimiter, trims: false)
    #expect(failures.isEmpty, "\(failures.count) inputs differ; first: \(failures.first ?? "")")
  }

  @Test func edgeCasesAgreeWithoutTrimming() {
    for text in ["  \n", " ; \n", " a b ;\tc\t\r\n", "\t\t", "x;y\r\n\r\n z ", "   "] {
      for delimiter: UInt8 in [0x3B, 0x20, 0x09] {
        #expect(
          TokenizerAgreement.difference(Array(text.utf8), delimiter: delimiter, trims: false) == nil,
          "\(text.debugDescription) delimiter \(delimiter)")
      }
    }
  }
}
