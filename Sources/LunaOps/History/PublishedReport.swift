import Foundation

/// The `run-report.json` a published output directory holds, as far as
/// operations need it: the volume guard compares its `volumes`, and a run
/// that reconciles the history after a kill takes its counts. Reports of
/// older versions lack `volumes`; every field is optional.
public struct PublishedReport: Decodable, Sendable {
  /// The report's counts, as far as present.
  public struct Totals: Decodable, Sendable {
    /// Records read.
    public var read: Int?
    /// Records accepted.
    public var accepted: Int?
    /// Records rejected.
    public var rejected: Int?
    /// Empty lines skipped.
    public var skippedEmpty: Int?
  }
  /// The run's counts.
  public var totals: Totals?
  /// Rejected records per rule name.
  public var rejectsByRule: [String: Int]?
  /// Accepted records per volume cell (`Aar=2023,Speciale=51`), what the
  /// volume guard compares; nil in reports written before volumes were.
  public var volumes: [String: Int]?

  /// The report published in `directory`, if it can be read.
  public static func read(in directory: String) -> PublishedReport? {
    let p = (directory as NSString).appendingPathComponent("run-report.json")
    guard let data = FileManager.default.contents(atPath: p) else { return nil }
    return try? JSONDecoder().decode(PublishedReport.self, from: data)
  }
}
