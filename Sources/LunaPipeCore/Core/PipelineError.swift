/// A promise of the engine found broken (a bug, never bad input): the run
/// stops rather than publish, and the command exits 70.
public struct InvariantBroken: Error, CustomStringConvertible {
  /// Which promise broke, and where.
  public let description: String
  /// An invariant failure described by `description`.
  public init(_ description: String) { self.description = description }
}

/// What can stop a run, grouped by what the user must do about it. The
/// command maps each case to its own exit code.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
  /// A pipeline or schema is put together wrongly (a programming error in a
  /// composed pipeline, or a bad option).
  case configuration(String)
  /// An input file is missing, unreadable, or not a usable extract (no
  /// header, a required column missing).
  case input(String)
  /// More records were rejected than the run allows.
  case rejectThreshold(String)
  /// Writing outputs failed.
  case output(String)

  /// The message alone, without the case: what the command prints.
  public var description: String {
    switch self {
    case .configuration(let m), .input(let m), .rejectThreshold(let m), .output(let m): return m
    }
  }
}
