import ArgumentParser
import Foundation
import LunaOps

/// How runs and diffs read on a terminal.
enum HistoryText {
  static func find(_ ref: String, in history: RunHistory) throws -> RunRecord {
    if ref == "last", let r = try history.runs(last: 1).first { return r }
    guard let id = Int64(ref) else {
      Log.logger.error("'\(ref)' is not a run id (a number, or 'last')")
      throw ExitCode(64)
    }
    guard let r = try history.run(id) else {
      Log.logger.error("no run \(id) in \(history.path)")
      throw Exit.input
    }
    return r
  }

  static func table(_ runs: [RunRecord]) -> String {
    if runs.isEmpty { return "no runs recorded\n" }
    var rows = [["run", "status", "exit", "pipeline", "started", "seconds", "read", "accepted", "rejected", "output"]]
    for r in runs {
      rows.append([
        "\(r.id)", r.status.rawValue, r.exitCode.map(String.init) ?? "-", r.pipeline, r.started,
        seconds(r).map { String(format: "%.1f", $0) } ?? "-", "\(r.counts.read)", "\(r.counts.accepted)",
        "\(r.counts.rejected)", r.outputDirectory,
      ])
    }
    let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
    return rows.map { row in
      row.enumerated().map { c, v in
        c == row.count - 1 ? v : v.padding(toLength: widths[c], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
  }

  static func detail(_ r: RunRecord) -> String {
    var s = "run \(r.id): \(r.pipeline) \(r.version), \(r.status.rawValue)"
    if let e = r.exitCode { s += ", exit \(e)" }
    s += "\n"
    s += "  started   \(r.started)\n"
    s += "  finished  \(r.finished ?? "-")\(seconds(r).map { String(format: " (%.1f s)", $0) } ?? "")\n"
    s += "  host      \(r.host), pid \(r.pid)\n"
    s += "  output    \(r.outputDirectory)\n"
    s += "  command   \(r.arguments.map(quote).joined(separator: " "))\n"
    if let m = r.message { s += "  message   \(m)\n" }
    s += "inputs (\(r.inputs.count)):\n"
    for f in r.inputs {
      s += "  \(f.path)  \(f.size) bytes  mtime \(mtime(f.mtimeNs))  sha256 \(f.sha256)\n"
    }
    let c = r.counts
    s += "counts: read \(c.read) = accepted \(c.accepted) + rejected \(c.rejected) + skipped \(c.skipped)\n"
    if !c.rejectsByRule.isEmpty {
      s += "rejects by rule:\n"
      for (rule, n) in c.rejectsByRule.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
        s += "  \(String(n).leftPad(8))  \(rule)\n"
      }
      s += "  (the records are in \(r.outputDirectory)\(r.status == .ok || r.status == .upToDate ? "" : ".failed")/rejects.csv)\n"
    }
    s += "outputs (\(r.outputs.count)):\n"
    for o in r.outputs { s += "  \(o.path)  \(o.size) bytes  sha256 \(o.sha256)\n" }
    return s
  }

  static func diff(_ d: RunDiff, a: RunRecord, b: RunRecord, limit: Int) -> String {
    var s = "run \(a.id) (\(a.started)) → run \(b.id) (\(b.started))\n"
    if d.inputs.isEmpty {
      s += "inputs: unchanged\n"
    } else {
      for p in d.inputs.new { s += "input new:     \(p)\n" }
      for p in d.inputs.changed { s += "input changed: \(p)\n" }
      for p in d.inputs.gone { s += "input gone:    \(p)\n" }
    }
    if a.optionsKey != b.optionsKey { s += "options: \(a.optionsKey) → \(b.optionsKey)\n" }
    if d.files.isEmpty { s += "outputs: identical (\(d.unchanged.count) files)\n" }
    for f in d.files {
      switch f {
      case .added(let p): s += "\(p): new in run \(b.id)\n"
      case .removed(let p): s += "\(p): not in run \(b.id)\n"
      case .changed(let p, let note): s += "\(p): changed (\(note))\n"
      case .table(let p, let t):
        s += "\(p): \(t.changedCells.count) cells changed"
        if !t.addedRows.isEmpty { s += ", rows added: \(t.addedRows.joined(separator: ", "))" }
        if !t.removedRows.isEmpty { s += ", rows removed: \(t.removedRows.joined(separator: ", "))" }
        if !t.addedColumns.isEmpty { s += ", columns added: \(t.addedColumns.joined(separator: ", "))" }
        if !t.removedColumns.isEmpty { s += ", columns removed: \(t.removedColumns.joined(separator: ", "))" }
        s += "\n"
        let shown = limit == 0 ? t.changedCells[...] : t.changedCells.prefix(limit)
        for c in shown { s += "  [\(c.row)] \(c.column): \(c.before) → \(c.after)\n" }
        if shown.count < t.changedCells.count { s += "  … \(t.changedCells.count - shown.count) more (--limit 0 shows all)\n" }
      }
    }
    return s
  }

  static func json<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try e.encode(value), as: UTF8.self)
  }

  private static func seconds(_ r: RunRecord) -> Double? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    guard let end = r.finished, let a = f.date(from: r.started), let b = f.date(from: end) else { return nil }
    return b.timeIntervalSince(a)
  }

  private static func mtime(_ ns: Int64) -> String {
    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ns) / 1e9))
  }

  private static func quote(_ a: String) -> String {
    a.contains(where: { " *?'\"$".contains($0) }) ? "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'" : a
  }
}

extension String {
  func leftPad(_ n: Int) -> String { String(repeating: " ", count: max(0, n - count)) + self }
}
