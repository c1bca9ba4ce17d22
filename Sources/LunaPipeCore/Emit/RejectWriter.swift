import Foundation

/// Writes `rejects.csv`: `file,record,byte_offset,column,rule,raw,line,length`,
/// one row per rejected record, in file order. `raw` holds at most the first
/// `RejectedRecord.rawLimit` bytes of the record; `length` is the whole
/// record's, `line` the physical line it starts on (the header is line 1).
final class RejectWriter {
  private let handle: FileHandle
  private var buffer: [UInt8] = []

  /// - Parameter append: add to the rejects an earlier input of the run
  ///   wrote (no second header) rather than start the file.
  init(path: String, append: Bool = false) throws {
    if append, let h = FileHandle(forWritingAtPath: path) {
      h.seekToEndOfFile()
      handle = h
      return
    }
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let h = FileHandle(forWritingAtPath: path)
    else { throw PipelineError.output("cannot write \(path)") }
    handle = h
    buffer.append(contentsOf: Array("file,record,byte_offset,column,rule,raw,line,length\n".utf8))
  }

  func write(_ r: RejectedRecord) throws {
    let fields = [
      r.file, String(r.record), String(r.byteOffset), r.column, r.rule, r.raw, String(r.line), String(r.length),
    ]
    buffer.append(contentsOf: Array(CSVText.row(fields, delimiter: ",").utf8))
    if buffer.count > 1 << 20 { try flush() }
  }

  /// Throws on a write error (a full disk): `FileHandle.write(_:)` would
  /// end the process instead.
  private func flush() throws {
    try handle.write(contentsOf: buffer)
    buffer.removeAll(keepingCapacity: true)
  }

  /// Where the next row goes: to `truncate(to:)` back to.
  func mark() -> UInt64 { handle.offsetInFile + UInt64(buffer.count) }

  /// Drops every row written after `mark` (a scan that runs again).
  func truncate(to mark: UInt64) throws {
    try flush()
    try handle.truncate(atOffset: mark)
    try handle.seek(toOffset: mark)
  }

  func close() throws {
    try flush()
    try handle.close()
  }
}

/// CSV quoting for writers: a field holding the delimiter, a quote or a line
/// break is quoted, with quotes doubled.
public enum CSVText {
  /// `s` as one CSV field: quoted, with its quotes doubled, when it holds
  /// `delimiter`, a quote, CR or LF; as it is otherwise.
  public static func field(_ s: String, delimiter: Character) -> String {
    if s.contains(where: { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
      return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
  }

  /// `fields` as one CSV line: each quoted as `field(_:delimiter:)` does,
  /// joined by `delimiter`, ended by LF.
  public static func row(_ fields: [String], delimiter: Character) -> String {
    fields.map { field($0, delimiter: delimiter) }.joined(separator: String(delimiter)) + "\n"
  }
}
