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
    // The numbers are values; the rest, `raw` above all, is text from the
    // input and never starts a formula (see `CSVText`).
    let fields: [(String, CSVText.Kind)] = [
      (r.file, .text), (String(r.record), .value), (String(r.byteOffset), .value), (r.column, .text),
      (r.rule, .text), (r.raw, .text), (String(r.line), .value), (String(r.length), .value),
    ]
    CSVText.append(row: fields, delimiter: ",", to: &buffer)
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
