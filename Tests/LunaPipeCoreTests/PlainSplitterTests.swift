import TestSupport
import Testing

@_spi(Testing) import LunaPipeCore

/// `PlainSplitter` must give libcsv's fields and record ends for every
/// quote-free input: it replaces libcsv there, so any difference would be a
/// record read otherwise than the same file with one quote in it.
@Suite struct PlainSplitterTests {
  /// Bytes where the two could differ: separators, the spaces libcsv trims,
  /// line ends of every kind, the tab (a space or the delimiter), NUL, a
  /// non-ASCII byte.
  static let alphabet: [UInt8] = Array(";,\t \r\n\r\nab1".utf8) + [0, 0xC3, 0xB8]

  @Test(arguments: [UInt8(0x3B), 0x2C, 0x09])
  func randomInputsAgreeWithLibCSV(delimiter: UInt8) {
    var rng = SeededGenerator(seed: UInt64(delimiter))
    var failures: [String] = []
    for round in 0..<4000 {
      // Lengths around the 64-byte blocks the splitter reads.
      let n = round < 300 ? round : Int(rng.next() % 300)
      let bytes = (0..<n).map { _ in Self.alphabet[Int(rng.next() % UInt64(Self.alphabet.count))] }
      if let d = TokenizerAgreement.difference(bytes, delimiter: delimiter) { failures.append(d) }
    }
    #expect(failures.isEmpty, "\(failures.count) inputs differ; first: \(failures.first ?? "")")
  }

  @Test func edgeCasesAgreeWithLibCSV() {
    let cases = [
      "", "\n", "\r\n", "\n\n\r\r\n", "  \n", " ; \n", "a", "a;", ";", ";;\n", " a b ;\tc\t\r\n",
      "x;y\r\n\r\n z ", "\t\t", String(repeating: "ab;", count: 30) + "\r", String(repeating: " ", count: 70) + "a",
      String(repeating: "1234567;", count: 8) + "\n" + String(repeating: "x", count: 130),
    ]
    for text in cases {
      for delimiter: UInt8 in [0x3B, 0x2C, 0x09] {
        #expect(TokenizerAgreement.difference(Array(text.utf8), delimiter: delimiter) == nil, "\(text.debugDescription)")
      }
    }
  }
}
