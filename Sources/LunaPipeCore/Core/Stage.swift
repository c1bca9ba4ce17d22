/// One step of a pipeline: a typed input, a typed output, and a label that
/// logs and errors name it by.
///
/// A stage is a value that describes work; `run` does it. A new stage is one
/// new type conforming to `Stage` (and, for a fluent API, a method on
/// `Pipeline` that appends it); nothing else needs to change.
public protocol Stage<Input, Output> {
  /// What the stage takes: the output of the stage before it.
  associatedtype Input
  /// What the stage gives the stage after it.
  associatedtype Output
  /// The stage's name in logs, timings, the run report and errors.
  var label: String { get }
  /// What the stage's time covers when that is more than its label says:
  /// a scanning stage reads, parses and validates its records too (the
  /// earlier stages only describe that work, see `deferredToScan`).
  var timedWork: String? { get }
  /// True for a stage that only prepares work a later scan does (resolving
  /// files, binding a schema): its time is not that work's.
  var deferredToScan: Bool { get }
  /// Does the stage's work on `input`; `Pipeline` times it and wraps what it
  /// throws in a ``StageError`` naming it.
  func run(_ input: Input, in context: RunContext) throws -> Output
}

extension Stage {
  /// By default the stage's time is what its label says.
  public var timedWork: String? { nil }
  /// By default a stage does its own work.
  public var deferredToScan: Bool { false }
}

/// An error raised inside a stage, with the stage's label attached.
public struct StageError: Error, CustomStringConvertible {
  /// The label of the stage that threw.
  public let stage: String
  /// What the stage threw.
  public let underlying: Error
  /// `label: error`, as the command prints it.
  public var description: String { "\(stage): \(underlying)" }
}
