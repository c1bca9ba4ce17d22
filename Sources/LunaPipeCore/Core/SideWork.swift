import Dispatch
import Foundation

/// Work a pipeline does beside its stages: started at one point of the
/// pipeline (`Pipeline.start(_:when:)`), its value taken by a later stage
/// (`value(in:)`). A small input the stages need late (a register, a
/// population) is read on a core the other stages leave idle, rather than
/// after them: beside the scan on a machine with a core to spare, else
/// beside the serial stages after it.
///
/// The work runs on its own thread with a context of its own, which keeps
/// what the work reports — rejected records, notes, input files and their
/// counts, log lines, the end of the rejects output, the reject-share
/// checks — in order, and writes nothing. `value(in:)` waits for the work
/// and replays all of it into the run's context, in that order, as if the
/// work had run at that moment. The run's outputs, report and log are
/// therefore the same whether the work ran beside the stages or inline,
/// and whatever the timing: the reject share is checked against the run's
/// counts at the replay, an error the work threw is thrown at the replay
/// (after what it reported before it).
///
///     let population = SideWork("population") { context in
///       try PopulationReader.read(path, in: context)
///     }
///     let p = Pipeline("plan").start(population).readCSV(claims)…
///       .map("tables") { result, context in
///         let p = try population.value(in: context)   // waits, replays
///         …
///       }
///
/// A work not started when its value is asked for runs then, inline. Each
/// start is taken once: a pipeline run twice starts and takes it twice.
/// What a start runs, and its result, live in the run's context, not in
/// the `SideWork` the pipeline holds: one pipeline value can be run twice,
/// or in two contexts at once, and each run takes its own result.
public final class SideWork<Value>: @unchecked Sendable {
  /// The work's name, for its thread.
  public let label: String
  private let work: (RunContext) throws -> Value

  /// One start of the work, for one run: kept in the run's context
  /// (`RunContext.sideWorks`), never in the work, so that one pipeline run
  /// twice, or in two contexts at once, shares no result.
  private final class Running: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    /// The context recording for the run.
    let context: RunContext
    var result: Result<Value, Error>?
    init(run: RunContext) { context = RunContext(recordingFor: run) }
  }

  /// Work named `label`: `work` reads what it needs and reports to the
  /// context it is given, as a stage would.
  public init(_ label: String, _ work: @escaping (RunContext) throws -> Value) {
    self.label = label
    self.work = work
  }

  /// Starts the work on a thread of its own, with a context recording what
  /// it reports for `context`. A second start in the same context, before
  /// the value is taken, does nothing. The start is the context's: another
  /// context (another run of the same pipeline, even at the same time)
  /// starts the work afresh. In a dry run (`RunContext.dryRun`) nothing
  /// starts.
  public func start(in context: RunContext) {
    if context.dryRun { return }
    let key = ObjectIdentifier(self)
    guard let r = context.sideWorks.insertIfAbsent(key, { Running(run: context) }) as? Running else { return }
    let thread = Thread { [self] in
      r.result = Result { try self.work(r.context) }
      r.done.signal()
    }
    thread.name = "lunapipe-\(label)"
    thread.start()
  }

  /// The work's value: waits for the work started in `context`, replays
  /// into `context` what it reported, and returns what it returned or
  /// throws what it threw. Without a start in `context`, runs the work
  /// now, in `context`.
  public func value(in context: RunContext) throws -> Value {
    guard let r = context.sideWorks.take(ObjectIdentifier(self)) as? Running else { return try work(context) }
    r.done.wait()
    try context.replay(r.context)
    return try r.result!.get()
  }
}

/// The side works started in one run and not yet taken, by their
/// `SideWork` (`RunContext.sideWorks`).
final class SideWorkRuns: @unchecked Sendable {
  private let lock = NSLock()
  private var runs: [ObjectIdentifier: AnyObject] = [:]

  /// Stores `make()` under `key` and returns it, when nothing is stored
  /// there; nil when something is.
  func insertIfAbsent(_ key: ObjectIdentifier, _ make: () -> AnyObject) -> AnyObject? {
    lock.lock()
    defer { lock.unlock() }
    if runs[key] != nil { return nil }
    let r = make()
    runs[key] = r
    return r
  }

  /// What is stored under `key`, removed; nil when nothing is.
  func take(_ key: ObjectIdentifier) -> AnyObject? {
    lock.lock()
    defer { lock.unlock() }
    return runs.removeValue(forKey: key)
  }
}

/// What a context made by `RunContext(recordingFor:)` has been told, in
/// order, to be told again to the run's context by `RunContext.replay(_:)`.
final class ContextRecording {
  enum Event {
    case reject(RejectedRecord)
    case closeRejects
    case log(String)
    case note(String)
    /// A reject-share check, after the first `inputs` input files.
    case checkRejectShare(inputs: Int)
  }
  var events: [Event] = []
}

extension RunContext {
  /// True when the machine has more cores than the run's scan threads: a
  /// work started beside the scan (`Pipeline.start(_:when:)`) then takes
  /// none of the scan's.
  public var hasSpareCore: Bool { ProcessInfo.processInfo.activeProcessorCount > options.threads }

  /// Tells this context, in order, what `recorded` (a context made by
  /// `RunContext(recordingFor:)`) was told: its rejected records, the ends
  /// of the rejects output, log lines, reject-share checks (each against
  /// this run's counts), notes, and its report's input files, volumes and
  /// scans.
  func replay(_ recorded: RunContext) throws {
    guard let recording = recorded.recording else { return }
    let side = recorded.report
    var added = 0
    func addInputs(upTo n: Int) {
      guard n > added else { return }
      report.add(Array(side.inputs[added..<n]))
      added = n
    }
    for e in recording.events {
      switch e {
      case .reject(let r): try reject(r)
      case .closeRejects: try closeRejects()
      case .log(let m): log(m)
      case .note(let n): report.notes.append(n)
      case .checkRejectShare(let n):
        addInputs(upTo: n)
        try checkRejectShare()
      }
    }
    addInputs(upTo: side.inputs.count)
    for (k, n) in side.volumes { report.volumes[k, default: 0] += n }
    report.scans += side.scans
  }
}
