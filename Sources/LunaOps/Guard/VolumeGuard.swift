import Foundation
import LunaPipeCore

/// Stops a run from publishing when its input has shrunk beyond reason:
/// a delivery cut short, a year's extract missing, a filter gone wrong.
///
/// The run's accepted records per volume cell (`Schema.volumeKeys`: for
/// LUNA claims, year and speciale) are compared with those of the last
/// successful run of the same pipeline with the same options, into any
/// output directory, as the run history records them (for a history from
/// before it kept them, the `run-report.json` published in the output
/// directory, `PublishedReport`). A cell of that run that now holds less
/// than half its records, or a run that accepted no record at all, fails
/// with `PipelineError.rejectThreshold` (exit 65) naming the cell and both
/// counts; the previous outputs stay whole. `acceptDrop` (`--accept-drop`)
/// publishes anyway.
public enum VolumeGuard {
  /// A volume cell that fell below half.
  public struct Drop: Equatable, Sendable {
    /// The cell, as the run report names it (`Aar=2023,Speciale=51`).
    public var cell: String
    /// Its accepted records in the last successful run.
    public var before: Int
    /// Its accepted records in this run (0 when it is missing).
    public var now: Int
  }

  /// The cells of `previous` that hold less than half their records in
  /// `now`, largest fall first.
  public static func drops(previous: [String: Int], now: [String: Int]) -> [Drop] {
    previous.compactMap { cell, before in
      let n = now[cell] ?? 0
      return before > 0 && 2 * n < before ? Drop(cell: cell, before: before, now: n) : nil
    }.sorted { ($0.before - $0.now, $0.cell) > ($1.before - $1.now, $1.cell) }
  }

  /// Throws unless `now` may be published (see the type's documentation).
  public static func check(
    now: RunReport, previousVolumes: [String: Int]?, previousRun: Int64?, acceptDrop: Bool
  ) throws {
    if acceptDrop { return }
    if now.totals.accepted == 0 {
      throw PipelineError.rejectThreshold(
        "no record was accepted (\(now.totals.read) read, \(now.totals.rejected) rejected, \(now.totals.skippedEmpty) empty lines): nothing is published over the previous outputs. A header-only or empty delivery? --accept-drop publishes anyway"
      )
    }
    guard let before = previousVolumes, !before.isEmpty else { return }
    let d = drops(previous: before, now: now.volumes)
    guard let first = d.first else { return }
    let run = previousRun.map { "run \($0)" } ?? "the last successful run"
    let cells = d.prefix(5).map { "\(describe($0.cell)): \($0.before) → \($0.now)" }.joined(separator: "; ")
    throw PipelineError.rejectThreshold(
      "accepted records fell to less than half of \(run)'s for \(d.count) of \(before.count) year and speciale cells (\(cells)\(d.count > 5 ? "; …" : "")): nothing is published, the previous outputs stay. A delivery cut short or missing? --accept-drop publishes anyway (largest fall: \(describe(first.cell)))"
    )
  }

  /// `Aar=2023,Speciale=51` as `Aar 2023, Speciale 51`.
  static func describe(_ cell: String) -> String {
    cell.split(separator: ",").map { $0.replacingOccurrences(of: "=", with: " ") }.joined(separator: ", ")
  }
}
