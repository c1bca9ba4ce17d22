import Foundation

/// One run as the history keeps it.
public struct RunRecord: Sendable, Codable, Equatable {
  public enum Status: String, Sendable, Codable {
    /// Started and not yet finished (or killed: see `interrupted`).
    case running
    case ok
    case failed
    /// Nothing changed since the last successful run; nothing was rewritten.
    case upToDate = "up-to-date"
    /// The process ended without finishing the run (killed, power loss).
    case interrupted
    /// Refused before it started: another run busy, an input missing or
    /// unusable, an output directory LunaPipe did not write.
    case refused
  }

  public struct Output: Sendable, Codable, Equatable {
    /// Relative to the output directory.
    public var path: String
    public var size: Int64
    public var sha256: String
    public init(path: String, size: Int64, sha256: String) {
      self.path = path
      self.size = size
      self.sha256 = sha256
    }
  }

  public struct Counts: Sendable, Codable, Equatable {
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    public var skipped = 0
    public var rejectsByRule: [String: Int] = [:]
    public init() {}
  }

  public var id: Int64 = 0
  public var pipeline: String
  public var version: String
  /// The output directory, absolute.
  public var outputDirectory: String
  public var started: String
  public var finished: String?
  public var host: String
  public var pid: Int32
  /// The command line, as given.
  public var arguments: [String]
  /// The pipeline's options that shape its outputs, as canonical JSON; two
  /// runs with equal keys and equal inputs give equal outputs.
  public var optionsKey: String
  public var status: Status
  public var exitCode: Int?
  public var message: String?
  public var counts = Counts()
  public var inputs: [FileFingerprint] = []
  public var outputs: [Output] = []

  public init(
    pipeline: String, version: String, outputDirectory: String, started: String, host: String, pid: Int32,
    arguments: [String], optionsKey: String, status: Status = .running
  ) {
    self.pipeline = pipeline
    self.version = version
    self.outputDirectory = outputDirectory
    self.started = started
    self.host = host
    self.pid = pid
    self.arguments = arguments
    self.optionsKey = optionsKey
    self.status = status
  }
}
