import Foundation

extension RunContext {
  /// The run report with its data-quality facts (`RunReport.quality`)
  /// completed from what the run has counted so far: each input with its
  /// records and period, the rejects by file and rule with up to
  /// `DataQuality.sampleLimit` lines each (from `rejects.csv` in the output
  /// directory), and, in a runner (`volumeBaseline`), the volume against
  /// the last successful run's. The facts a pipeline or the runner set
  /// (run, date, coverage, skipped tables, tiny bases) are kept. Stored in
  /// `report` too; calling it again recomputes what it completes, but the
  /// revisions once found.
  public func reportWithQuality() -> RunReport {
    var q = report.quality
    q.inputs = report.inputs.map {
      DataQuality.Input(
        path: $0.path, read: $0.read, accepted: $0.accepted, rejected: $0.rejected,
        period: DataQuality.Volume.byYear($0.volumes ?? [:]).map(\.year))
    }
    let samples = output.map { DataQuality.rejectSamples(csv: $0.staging.appendingPathComponent("rejects.csv").path) }
    q.rejects = report.inputs.flatMap { f in
      f.rejectsByRule.keys.sorted().map { rule in
        DataQuality.Rejects(
          file: f.path, rule: rule, records: f.rejectsByRule[rule]!, samples: samples?[[f.path, rule]] ?? [])
      }
    }
    if let baseline = volumeBaseline {
      var v = DataQuality.Volume(now: report.volumes, before: baseline.volumes, lastRun: baseline.run)
      if baseline.volumes == nil {
        v.notes.append("no earlier successful run of this pipeline with these options: nothing to compare with")
      }
      v.byYear = DataQuality.Volume.byYear(report.volumes)
      var months: [String: Int] = [:]
      for f in report.inputs { for (m, n) in f.months ?? [:] { months[m, default: 0] += n } }
      v.sameMonths = DataQuality.Volume.SameMonths(months)
      if !v.byYear.isEmpty && v.sameMonths == nil {
        v.notes.append(
          "the volume is counted per year and speciale, not per month: each year is compared with the year before as a whole (the same months a year earlier only for complete years)"
        )
      }
      q.volume = v
    }
    // The tables written so far against the last published ones: known
    // before the report and the workbook are made (emitted tables first),
    // found once, so that the page, the sheet and the run report agree.
    if q.revisions == nil, let find = revisionsFinder { q.revisions = find() }
    report.quality = q
    return report
  }
}

extension DataQuality {
  /// Up to `sampleLimit` lines per file and rule of a `rejects.csv`
  /// (`file,record,byte_offset,column,rule,raw,line,length`), keyed by
  /// `[file, rule]`, each as `line 12, Antal: 2019;13;…`; empty when there
  /// is no such file.
  static func rejectSamples(csv path: String) -> [[String]: [String]] {
    guard let data = FileManager.default.contents(atPath: path) else { return [:] }
    var out: [[String]: [String]] = [:]
    var first = true
    for row in CSVRows(Array(data)) {
      if first {
        first = false
        continue
      }
      guard row.count >= 7 else { continue }
      let key = [row[0], row[4]]
      if out[key, default: []].count < sampleLimit {
        let column = row[3].isEmpty ? "" : ", \(row[3])"
        out[key, default: []].append("line \(row[6])\(column): \(row[5])")
      }
    }
    return out
  }

  /// The rows of an RFC 4180 text (quoted fields may hold `,`, `""` and
  /// line breaks).
  struct CSVRows: Sequence, IteratorProtocol {
    let bytes: [UInt8]
    var i = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> [String]? {
      guard i < bytes.count else { return nil }
      var fields: [String] = []
      var field: [UInt8] = []
      var quoted = false
      while i < bytes.count {
        let b = bytes[i]
        i += 1
        if quoted {
          if b == UInt8(ascii: "\"") {
            if i < bytes.count && bytes[i] == UInt8(ascii: "\"") {
              field.append(b)
              i += 1
            } else {
              quoted = false
            }
          } else {
            field.append(b)
          }
        } else if b == UInt8(ascii: "\"") {
          quoted = true
        } else if b == UInt8(ascii: ",") {
          fields.append(String(decoding: field, as: UTF8.self))
          field = []
        } else if b == 10 {
          break
        } else if b != 13 {
          field.append(b)
        }
      }
      fields.append(String(decoding: field, as: UTF8.self))
      return fields
    }
  }
}

extension DataQuality.Volume {
  /// Accepted records per year (`Aar=2023` in the volume cells' names),
  /// years in order; empty when the cells have no year.
  static func byYear(_ volumes: [String: Int]) -> [Year] {
    var years: [Int: Int] = [:]
    for (name, n) in volumes {
      for part in name.split(separator: ",") where part.hasPrefix("Aar=") {
        if let y = Int(part.dropFirst(4)) { years[y, default: 0] += n }
      }
    }
    return years.keys.sorted().map { y in
      Year(year: y, records: years[y]!, yearBefore: years[y - 1])
    }
  }
}
