// The check that `PlainSplitter` tokenizes as libcsv does: for the unit
// tests and the fuzz target (`Sources/lunapipe-fuzz`), which reach it as
// `@_spi(Testing) import LunaPipeCore`.

/// Compares `PlainSplitter` with libcsv on one input.
@_spi(Testing)
public enum TokenizerAgreement {
  /// The events of one tokenizer: each field's bytes, and `nil` plus the
  /// terminator for each record end.
  private enum Event: Equatable, CustomStringConvertible {
    case field([UInt8])
    case end(Int32)
    var description: String {
      switch self {
      case .field(let b): return "field \(String(decoding: b, as: UTF8.self).debugDescription)"
      case .end(let t): return "end \(t)"
      }
    }
  }

  private final class LibCSVEvents: CSVFieldSink {
    var events: [Event] = []
    override func field(_ bytes: UnsafeRawBufferPointer) { events.append(.field(Array(bytes))) }
    override func endRecord(terminator: Int32) { events.append(.end(terminator)) }
  }

  private struct PlainEvents: CSVEvents {
    var events: [Event] = []
    mutating func field(_ bytes: UnsafeRawBufferPointer) { events.append(.field(Array(bytes))) }
    mutating func endRecord(terminator: Int32) { events.append(.end(terminator)) }
  }

  /// Nil when the two give the same fields and record ends for `bytes`,
  /// else where they first differ. Quote characters in `bytes` are read
  /// as `'` (the splitter is only given text without them).
  /// With `trims` false, both keep the spaces around fields (a dialect
  /// that states no trimming).
  public static func difference(_ bytes: [UInt8], delimiter: UInt8, trims: Bool = true) -> String? {
    let text = bytes.map { $0 == 0x22 ? 0x27 : $0 }
    let sink = LibCSVEvents()
    do {
      let tokenizer = try CSVTokenizer(delimiter: delimiter, trims: trims)
      try text.withUnsafeBytes { try tokenizer.parse($0, into: sink) }
      try tokenizer.finish(into: sink)
    } catch {
      return "libcsv failed: \(error)"
    }
    var plain = PlainEvents()
    text.withUnsafeBytes { PlainSplitter.split($0, delimiter: delimiter, trims: trims, into: &plain) }
    if sink.events == plain.events { return nil }
    let common = min(sink.events.count, plain.events.count)
    let i = (0..<common).first { sink.events[$0] != plain.events[$0] } ?? common
    func at(_ e: [Event]) -> String { i < e.count ? e[i].description : "nothing (\(e.count) events)" }
    return "event \(i) of \(text.count) bytes (delimiter \(delimiter)): libcsv gives \(at(sink.events)), PlainSplitter \(at(plain.events))"
  }
}
