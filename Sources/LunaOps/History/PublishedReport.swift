import Foundation

/// The `run-report.json` a published output directory holds, as far as
/// operations need it: the volume guard compares its `volumes`, and a run
/// that reconciles the history after a kill takes its counts. Reports of
/// older versions lack `volumes`; every field is optional.
public struct PublishedReport: Decodable, Sendable {
  public struct Totals: Decodable, Sendable {
    public var read: Int?
    public var accepted: Int?
    public var rejected: Int?
    public var skippedEmpty: Int?
  }
  public var totals: Totals?
  public var rejectsByRule: [String: Int]?
  public var volumes: [String: Int]?

  /// The report published in `directory`, if it can be read.
  public static func read(in directory: String) -> PublishedReport? {
    let p = (directory as NSString).appendingPathComponent("run-report.json")
    guard let data = FileManager.default.contents(atPath: p) else { return nil }
    return try? JSONDecoder().decode(PublishedReport.self, from: data)
  }
}
