/// The scan's reading of a chunk whose quotes are escaped by a backslash,
/// or not at all (`CSVDialect.Escape`): what libcsv, which always takes
/// `""` for a quote, cannot read. Records and fields are found by
/// `EscapedFields` (as Python's `csv` reads them, `doublequote=False`),
/// a byte at a time: slower than the libcsv path, for the files that need
/// it. Every line is accounted for: a record's lines go to the accepted or
/// the rejected lines, an empty line (or a comment line) is skipped and
/// counted.
enum EscapedScan {
  struct Outcome {
    var emptyLines = 0
    var lines = 0
    var acceptedLines = 0
    var rejectedLines = 0
    /// Each reject, the record's bytes in the chunk, and the lines before
    /// it in the chunk.
    var rejects: [(reject: ChunkReject, span: Range<Int>, linesBefore: Int)] = []
    /// The lines before each record (by its ordinal) in the chunk.
    var linesBeforeRecord: [Int] = []
  }

  static func process(
    _ bytes: UnsafeRawBufferPointer, decoder: RecordDecoder, delimiter: UInt8, syntax: RecordLocator.Syntax,
    commentPrefix: String?
  ) -> Outcome {
    // No quote: a line end stands for it, which never opens a field (line
    // ends outside quotes end records first).
    let quote = syntax.quote ?? 0x0A
    let backslash = syntax.escape == .backslash
    let comment = commentPrefix.map { Array($0.utf8) } ?? []
    var o = Outcome()
    for range in EscapedFields.records(bytes, delimiter: delimiter, quote: quote, backslash: backslash, trims: syntax.trims) {
      let record = UnsafeRawBufferPointer(rebasing: bytes[range])
      let lines = RecordLocator.lineEnds(record) + 1
      defer { o.lines += lines }
      if isBlank(record, trims: syntax.trims)
        || (!comment.isEmpty && record.count >= comment.count && zip(record, comment).allSatisfy { $0 == $1 })
      {
        o.emptyLines += lines
        continue
      }
      o.linesBeforeRecord.append(o.lines)
      let rejectsBefore = decoder.rejects.count
      decoder.feed(
        EscapedFields.splitMarked(record, delimiter: delimiter, quote: quote, backslash: backslash, trims: syntax.trims))
      if decoder.rejects.count > rejectsBefore {
        o.rejectedLines += lines
        o.rejects.append((decoder.rejects[decoder.rejects.count - 1], range, o.lines))
      } else {
        o.acceptedLines += lines
      }
    }
    return o
  }

  /// No byte but spaces (when they are trimmed): an empty line.
  private static func isBlank(_ b: UnsafeRawBufferPointer, trims: Bool) -> Bool {
    if b.isEmpty { return true }
    return trims && b.allSatisfy { $0 == 0x20 || $0 == 0x09 }
  }
}
