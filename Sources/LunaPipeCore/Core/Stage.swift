/// One step of a pipeline: a typed input, a typed output, and a label that
/// logs and errors name it by.
///
/// A stage is a value that describes work; `run` does it. A new stage is one
/// new type conforming to `Stage` (and, for a fluent API, a method on
/// `Pipeline` that appends it); nothing else needs to change.
public protocol Stage<Input, Output> {
  associatedtype Input
  associatedtype Output
  var label: String { get }
  /// What the stage's time covers when that is more than its label says:
  /// a scanning stage reads, parses and validates its records too (the
  /// earlier stages only describe that work, see `deferredToScan`).
  var timedWork: String? { get }
  /// True for a stage that only prepares work a later scan does (resolving
  /// files, binding a schema): its time is not that work's.
  var deferredToScan: Bool { get }
  func run(_ input: Input, in context: RunContext) throws -> Output
}

extension Stage {
  public var timedWork: String? { nil }
  public var deferredToScan: Bool { false }
}

/// An error raised inside a stage, with the stage's label attached.
public struct StageError: Error, CustomStringConvertible {
  public let stage: String
  public let underlying: Error
  public var description: String { "\(stage): \(underlying)" }
}
