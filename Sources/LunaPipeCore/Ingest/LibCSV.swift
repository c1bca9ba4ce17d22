// The only file that imports libcsv. It turns libcsv's C callbacks into calls
// on a Swift `CSVFieldSink`, and every libcsv status into a `CSVError`.

internal import CLibCSV

/// Receives the fields and record ends that libcsv finds. Subclass it. Internal, as every libcsv type: the engine's API never shows them.
///
/// `field` gets a view of libcsv's own buffer: valid only during the call, so
/// a sink decodes the bytes at once and never keeps the pointer. (A class
/// rather than a protocol: the C callbacks then reach it through a plain
/// vtable call, with no dynamic cast per field.)
class CSVFieldSink {
  init() {}
  func field(_ bytes: UnsafeRawBufferPointer) {}
  /// A record ended at an unquoted `\r` or `\n` (`terminator`), or at the end
  /// of the input (`terminator == -1`). Every unquoted line end is reported,
  /// also those of empty lines, so a sink can count them.
  func endRecord(terminator: Int32) {}
}

/// C callbacks for a hot loop that wants direct calls into one concrete
/// type: `field` gets (bytes, length, context), `record` (terminator,
/// context), as libcsv passes them. Define them as closures that capture
/// nothing.
struct CSVCallbacks {
  typealias Field = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void
  typealias Record = @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void
  var field: Field
  var record: Record
  var context: UnsafeMutableRawPointer

  init(field: Field, record: Record, context: UnsafeMutableRawPointer) {
    self.field = field
    self.record = record
    self.context = context
  }
}

struct CSVError: Error, CustomStringConvertible {
  let description: String
}

/// A libcsv parser: RFC 4180 quoting (`"`, `""` inside quotes, quoted
/// delimiters and line breaks) over any delimiter.
final class CSVTokenizer {
  private var parser = csv_parser()

  /// - Parameters:
  ///   - delimiter: any byte but a line end or the quote.
  ///   - quote: the quote character (`"` by default).
  ///   - trims: spaces (and TABs, unless TAB delimits) around unquoted
  ///     fields are removed, as libcsv does by default; false keeps them.
  init(delimiter: UInt8, quote: UInt8 = 0x22, trims: Bool = true) throws {
    // CSV_REPALL_NL: report every unquoted line end, so that empty lines can
    // be counted (the run report's skipped-empty) rather than vanish.
    try check(csv_init(&parser, UInt8(CSV_REPALL_NL)))
    csv_set_delim(&parser, delimiter)
    if quote != 0x22 { csv_set_quote(&parser, quote) }
    // libcsv trims spaces and tabs around unquoted fields, and checks for
    // space before delimiter: with TAB as delimiter only the space may be
    // trimmed, with space as delimiter only the TAB. (Only then: a space
    // function is a call per byte.)
    if !trims {
      csv_set_space_func(&parser, _noSpace)
    } else if delimiter == 9 {
      csv_set_space_func(&parser, _isSpace)
    } else if delimiter == 0x20 {
      csv_set_space_func(&parser, _isTab)
    }
    // Grow libcsv's field buffer in large steps: fewer reallocs on long fields.
    csv_set_blk_size(&parser, 4096)
  }

  deinit { csv_free(&parser) }

  /// True when the input so far ends inside a quoted field whose closing
  /// quote has not come (libcsv's state FIELD_BEGUN with `quoted`). Asked
  /// before `finish`, it tells a quote left open at the end of the input.
  var inQuotedField: Bool { parser.pstate == 2 && parser.quoted != 0 }

  /// Feeds `bytes` to the parser; fields and record ends go to `sink`.
  func parse(_ bytes: UnsafeRawBufferPointer, into sink: CSVFieldSink) throws {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    let ctx = Unmanaged.passUnretained(sink).toOpaque()
    let n = csv_parse(&parser, base, bytes.count, _onField, _onRecord, ctx)
    if n != bytes.count { try check(csv_error(&parser)) }
  }

  /// Feeds `bytes` to the parser, calling `callbacks` directly.
  func parse(_ bytes: UnsafeRawBufferPointer, _ callbacks: CSVCallbacks) throws {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    let n = csv_parse(&parser, base, bytes.count, callbacks.field, callbacks.record, callbacks.context)
    if n != bytes.count { try check(csv_error(&parser)) }
  }

  /// Ends the input, calling `callbacks` directly.
  func finish(_ callbacks: CSVCallbacks) throws {
    try check(csv_fini(&parser, callbacks.field, callbacks.record, callbacks.context))
  }

  /// Ends the input: a last record without a line end is delivered, and the
  /// parser is ready for the next, unrelated input.
  func finish(into sink: CSVFieldSink) throws {
    let ctx = Unmanaged.passUnretained(sink).toOpaque()
    try check(csv_fini(&parser, _onField, _onRecord, ctx))
  }

  private func check(_ status: Int32) throws {
    guard status != 0 else { return }
    let message = String(cString: csv_strerror(status))
    throw CSVError(description: "libcsv: \(message)")
  }
}

private func _isSpace(_ c: UInt8) -> Int32 { c == 0x20 ? 1 : 0 }
private func _isTab(_ c: UInt8) -> Int32 { c == 0x09 ? 1 : 0 }
private func _noSpace(_ c: UInt8) -> Int32 { 0 }

// `_withUnsafeGuaranteedRef`: the sink is kept alive by `parse`'s caller for
// the whole call, so no retain/release per field is needed.
private func _onField(_ data: UnsafeMutableRawPointer?, _ len: Int, _ ctx: UnsafeMutableRawPointer?) {
  Unmanaged<CSVFieldSink>.fromOpaque(ctx!)._withUnsafeGuaranteedRef {
    $0.field(UnsafeRawBufferPointer(start: data, count: len))
  }
}

private func _onRecord(_ terminator: Int32, _ ctx: UnsafeMutableRawPointer?) {
  Unmanaged<CSVFieldSink>.fromOpaque(ctx!)._withUnsafeGuaranteedRef { $0.endRecord(terminator: terminator) }
}
