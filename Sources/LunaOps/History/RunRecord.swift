import Foundation

/// One run as the history keeps it.
public struct RunRecord: Sendable, Codable, Equatable {
  /// How a run ended, as the history and `lunapipe history` write it.
  public enum Status: String, Sendable, Codable {
    /// Started and not yet finished (or killed: see `interrupted`).
    case running
    /// Published its outputs.
    case ok
    /// Failed: nothing published, the previous outputs untouched (exit code
    /// and message say why).
    case failed
    /// Nothing changed since the last successful run; nothing was rewritten.
    case upToDate = "up-to-date"
    /// The process ended without finishing the run (killed, power loss).
    case interrupted
    /// Refused before it started: another run busy, an input missing or
    /// unusable, an output directory LunaPipe did not write.
    case refused
  }

  /// One file a run published.
  public struct Output: Sendable, Codable, Equatable {
    /// Relative to the output directory.
    public var path: String
    /// Its size in bytes.
    public var size: Int64
    /// The SHA-256 of its content, 64 lowercase hex digits.
    public var sha256: String
    /// An output of these values.
    public init(path: String, size: Int64, sha256: String) {
      self.path = path
      self.size = size
      self.sha256 = sha256
    }
  }

  /// A run's record counts, over all its inputs.
  public struct Counts: Sendable, Codable, Equatable {
    /// Records read, empty lines included.
    public var read = 0
    /// Records accepted.
    public var accepted = 0
    /// Records rejected.
    public var rejected = 0
    /// Empty lines skipped (the run report's `skippedEmpty`).
    public var skipped = 0
    /// Rejected records per rule name.
    public var rejectsByRule: [String: Int] = [:]
    /// Accepted records per volume cell (the run report's `volumes`:
    /// `Aar=2023,Speciale=51` → count), for the volume guard.
    public var volumes: [String: Int] = [:]
    /// No records.
    public init() {}
  }

  /// The run's id, from 1 up in the order runs began; 0 before the history
  /// recorded it.
  public var id: Int64 = 0
  /// The pipeline's name (`RunJob.pipeline`).
  public var pipeline: String
  /// The LunaPipe version that ran it (`LunaPipeVersion.current`): another
  /// version is never up to date.
  public var version: String
  /// The output directory, absolute.
  public var outputDirectory: String
  /// When the run started, ISO 8601 in UTC with milliseconds.
  public var started: String
  /// When it ended, as `started`; nil while running or when interrupted.
  public var finished: String?
  /// The host it ran on.
  public var host: String
  /// Its process id.
  public var pid: Int32
  /// The command line, as given.
  public var arguments: [String]
  /// The pipeline's options that shape its outputs, as canonical JSON; two
  /// runs with equal keys and equal inputs give equal outputs.
  public var optionsKey: String
  /// How it ended (`running` until then).
  public var status: Status
  /// The exit code it ended with; nil while running or when interrupted.
  public var exitCode: Int?
  /// Why it failed or was refused, or what else happened (`nothing changed
  /// since run 13`).
  public var message: String?
  /// Its record counts (an up-to-date run repeats the run it matched).
  public var counts = Counts()
  /// Every input file, fingerprinted, in the order read.
  public var inputs: [FileFingerprint] = []
  /// Every file it published, by path (the ownership marker aside).
  public var outputs: [Output] = []

  /// A record of a run just begun (status `running` unless given), with no
  /// id, end, counts, inputs or outputs yet.
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
