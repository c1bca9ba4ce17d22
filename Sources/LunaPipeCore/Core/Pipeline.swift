import Dispatch
import Foundation

/// A pipeline: stages composed into one typed step, described first and run
/// separately. The compiler checks that each stage's input is the output of
/// the one before.
///
///     let p = Pipeline("spending")
///       .readCSV(["extracts/*.csv"])
///       .validate(schema)
///       .aggregate(aggregation)
///     let result = try p.run(in: RunContext(options: ScanOptions(threads: 2)))
public struct Pipeline<Input, Output> {
  /// The pipeline's name, as given to `init(_:)`: the run report and the logs
  /// name the run by it.
  public let name: String
  /// The labels of the stages, in order.
  public let labels: [String]
  private let body: (Input, RunContext) throws -> Output

  private init(name: String, labels: [String], body: @escaping (Input, RunContext) throws -> Output) {
    self.name = name
    self.labels = labels
    self.body = body
  }

  /// Appends `stage`.
  public func then<S: Stage>(_ stage: S) -> Pipeline<Input, S.Output> where S.Input == Output {
    let body = self.body
    return Pipeline<Input, S.Output>(name: name, labels: labels + [stage.label]) { input, context in
      let middle = try body(input, context)
      return try context.timed(stage, middle, path: [stage.label])
    }
  }

  /// Applies a plain function as a stage.
  public func map<T>(_ label: String, _ f: @escaping (Output, RunContext) throws -> T) -> Pipeline<Input, T> {
    then(AnyStage(label: label, f))
  }

  /// Starts `work` when the pipeline reaches this point (after the stages
  /// before it), to run beside the stages that follow; a later stage takes
  /// its value with `SideWork.value(in:)`. With `when`, only if it holds
  /// for the run (`RunContext.hasSpareCore`: a core the scan leaves free). A
  /// work started already, and not yet taken, is not started again, so a
  /// pipeline may name an early start for machines with a spare core and a
  /// later one, after its scan, for the others. Adds no stage: the work's
  /// time counts in no stage but the wait of the one that takes it.
  public func start<V>(_ work: SideWork<V>, when: ((RunContext) -> Bool)? = nil) -> Pipeline<Input, Output> {
    let body = self.body
    return Pipeline(name: name, labels: labels) { input, context in
      let out = try body(input, context)
      if !context.dryRun, when?(context) ?? true { work.start(in: context) }
      return out
    }
  }

  /// Runs the pipeline on `input`.
  public func run(_ input: Input, in context: RunContext) throws -> Output {
    try body(input, context)
  }
}

extension Pipeline where Input == Void, Output == Void {
  /// An empty pipeline, to which stages are appended.
  public init(_ name: String) {
    self.init(name: name, labels: []) { _, _ in () }
  }
}

extension Pipeline where Input == Void {
  /// Runs a pipeline that takes no input (one that starts with `readCSV`, say)
  /// in `context`, and returns its last stage's output.
  ///
  /// Errors thrown by a stage come wrapped in a ``StageError`` naming it,
  /// unless the stage threw a ``StageError`` itself.
  public func run(in context: RunContext) throws -> Output { try run((), in: context) }

  /// Checks the pipeline before any input is read: runs it in a dry run
  /// (`RunContext.dryRun`), in which every stage up to the first read does
  /// its preparation — `ReadCSV` resolves its paths and globs, `Validate`,
  /// `reject`, `Aggregate` and `AggregateEach` bind their columns to the
  /// schema — and the first read (`RunContext.scan`,
  /// `RunContext.readTextRecords`) stops the run, as success. Nothing is
  /// read, written (no output, no rejects) or recorded, and no side work
  /// starts.
  ///
  ///     let inputs = try Pipeline("sales").readCSV(["data/*.csv"]).validate(schema)
  ///       .aggregate(Aggregation(keys: ["regoin"], measures: [.count()])).validate()
  ///     // throws StageError(stage: "aggregate", underlying: PipelineError.configuration(…"regoin"…))
  ///
  /// - Parameter options: the scan options the stages see (`context.options`).
  /// - Returns: the file sets the pipeline's `ReadCSV` stages resolved,
  ///   with their patterns: the inputs it reads.
  /// - Throws: what a stage throws in its preparation, wrapped in a
  ///   ``StageError`` naming it: `PipelineError.configuration` for a column
  ///   the schema lacks in a rule, a filter or an aggregation;
  ///   `PipelineError.input` for a path that does not exist or a glob that
  ///   matches nothing.
  @discardableResult
  public func validate(options: ScanOptions = ScanOptions()) throws -> PipelineInputs {
    let context = RunContext(dryRunWith: options, pipeline: name)
    do {
      _ = try run(in: context)
    } catch is DryRunReachedRead {}
    return context.resolvedInputs
  }
}

/// A stage made from a closure.
public struct AnyStage<Input, Output>: Stage {
  /// The label logs, timings and errors name the stage by.
  public let label: String
  let body: (Input, RunContext) throws -> Output
  /// A stage labelled `label` that runs `body` on its input.
  public init(label: String, _ body: @escaping (Input, RunContext) throws -> Output) {
    self.label = label
    self.body = body
  }
  /// Runs the closure on `input`; whatever it throws passes through.
  public func run(_ input: Input, in context: RunContext) throws -> Output { try body(input, context) }
}
