/// What a scan's chunk results add up to, file by file: the reports, the
/// records and lines before each chunk (to number its rejects), and the
/// text of each file's bytes, on which its encoding is checked once the
/// file is read whole. Chunk results are added in file order, on the
/// reader's thread (`ChunkScheduler.Finished`).
struct ScanTally {
  private(set) var reports: [FileReport] = []
  /// Notes for the run report (an empty file).
  private(set) var notes: [String] = []
  /// Per file (by index), its accepted records per volume cell.
  private var fileVolumes: [Int: [Int: Int]] = [:]
  private var recordsBefore: [Int] = []  // per file, records added so far
  private var headerLines: [Int] = []  // per file, physical lines up to the data
  private var textStats: [TextStats] = []  // per file, of the data added so far
  private var headerText: [TextStats] = []  // per file, of the bytes before the data

  /// An empty (0-byte) file, read as an empty input: no header, no records,
  /// a note (returned). Whether a run may publish so little is the volume
  /// guard's decision, as for any delivery.
  mutating func addEmpty(path: String, delimiter stated: String) -> String {
    reports.append(FileReport(path: path, bytes: 0, encoding: .utf8, delimiter: stated, lineEnd: ""))
    recordsBefore.append(0)
    headerLines.append(0)
    headerText.append(TextStats())
    textStats.append(TextStats())
    let note = "\(path): the file is empty (0 bytes): read as an empty input, 0 records"
    notes.append(note)
    return note
  }

  /// The next file: its report (no records yet), and `headerBytes`, the
  /// bytes before its data.
  mutating func begin(_ report: FileReport, headerBytes: UnsafeRawBufferPointer) {
    reports.append(report)
    recordsBefore.append(0)
    // Every line before the data: skipped ones, comments and the header
    // rows, counted as lines (a skipped line may hold a stray quote).
    let endsWithLineEnd =
      headerBytes.count > 0 && (headerBytes[headerBytes.count - 1] == 0x0A || headerBytes[headerBytes.count - 1] == 0x0D)
    headerLines.append(RecordLocator.lineEnds(headerBytes) + (headerBytes.count > 0 && !endsWithLineEnd ? 1 : 0))
    headerText.append(TextStats.of(headerBytes))
    textStats.append(TextStats())
  }

  /// Adds a chunk's result, the next in file order: its rejects go to
  /// `onReject`. Throws the chunk's error, or a limit it hit.
  mutating func add(
    _ done: ChunkScheduler.Finished, schema: CompiledSchema, onReject: (RejectedRecord) throws -> Void
  ) throws {
    let r = done.result
    if let e = r.error { throw e }
    let f = done.file
    if let (hit, linesBefore) = r.limit {
      let column = schema.schema.columns[hit.column].name
      let first = headerLines[f] + reports[f].lines + 1
      let place =
        hit.record != nil
        ? "line \(first + linesBefore)"
        : "lines \(first)-\(first + max(0, linesBefore - 1)) (their sums added to those before)"
      throw PipelineError.input(
        "\(reports[f].path), \(place): the sum of \(column) passes what LunaPipe adds exactly (9,223,372,036,854,775,807 in the column's smallest unit); the file holds impossible \(column) values there. Nothing is published"
      )
    }
    for (reject, offset, raw, length, linesBefore) in r.rejects {
      let name = schema.ruleName(reject.rule)
      reports[f].rejectsByRule[name, default: 0] += 1
      try onReject(
        RejectedRecord(
          file: reports[f].path, record: recordsBefore[f] + reject.ordinal + 2,
          byteOffset: offset, column: schema.columnName(reject.column, rule: reject.rule),
          rule: name, raw: raw, line: headerLines[f] + reports[f].lines + linesBefore + 1, length: length))
    }
    recordsBefore[f] += r.records
    for (cell, n) in r.volumes { fileVolumes[f, default: [:]][cell, default: 0] += n }
    reports[f].read += r.records + r.emptyLines
    reports[f].accepted += r.accepted
    reports[f].rejected += r.rejects.count
    reports[f].skippedEmpty += r.emptyLines
    reports[f].lines += r.lines
    reports[f].acceptedLines += r.acceptedLines
    reports[f].rejectedLines += r.rejectedLines
    textStats[f].add(r.text, at: done.fileOffset)
  }

  /// Each file's encoding, decided on all its bytes (`FileReport.text`).
  /// Throws `EncodingMismatch` when one differs from the encoding the scan
  /// used, unless it was stated (`stated`) or known (`encodings`).
  mutating func checkEncodings(stated: TextEncoding?, known encodings: [String: TextEncoding]) throws {
    var mismatch = EncodingMismatch(encodings: encodings, notes: [])
    for f in reports.indices {
      var t = headerText[f]
      t.add(textStats[f], at: 0)
      reports[f].text = t.firstNonASCII == nil ? nil : t
      let used = reports[f].encoding
      guard used != .utf8BOM, stated == nil, encodings[reports[f].path] == nil, t.encoding != used
      else { continue }
      mismatch.encodings[reports[f].path] = t.encoding
      mismatch.notes.append(
        "\(reports[f].path): read as \(t.encoding.rawValue), not \(used.rawValue) as its first \(DialectDetection.sniffBytes >> 20) MiB suggested: its non-ASCII bytes from byte \(t.firstNonASCII ?? 0) on hold \(t.utf8Sequences) UTF-8 sequences and \(t.invalidBytes) bytes that are not UTF-8"
      )
    }
    if !mismatch.notes.isEmpty { throw mismatch }
  }

  /// The scan's accepted records per volume cell, by name, from the
  /// workers' decoders; each file's own go to its report (`volumes`, and
  /// `months` for a month-keyed schema).
  mutating func volumes(schema: CompiledSchema, workers: [ParallelScan.Worker]) -> [String: Int] {
    var volumes: [String: Int] = [:]
    guard schema.volumeCells > 0 else { return volumes }
    var cells = [Int](repeating: 0, count: schema.volumeCells)
    for w in workers {
      for (i, n) in w.decoder.volumes.enumerated() { cells[i] += n }
    }
    // Cells that differ only in the month share a name: summed.
    for (i, n) in cells.enumerated() where n > 0 { volumes[schema.volumeName(i), default: 0] += n }
    for f in reports.indices {
      var named: [String: Int] = [:]
      var months: [String: Int] = [:]
      for (i, n) in fileVolumes[f] ?? [:] where n > 0 {
        named[schema.volumeName(i), default: 0] += n
        if let m = schema.monthName(i) { months[m, default: 0] += n }
      }
      reports[f].volumes = named
      if schema.monthKeyed { reports[f].months = months }
    }
    return volumes
  }
}
