import Dispatch
import Foundation

extension RunContext {
  /// Runs `stage` on `input` as part of the stage running now, the way
  /// `Pipeline` runs its own stages: timed, logged, and listed in the run
  /// report's `stages` as `parent/label` (`tables/build`), right after the
  /// parent's own entry; what it throws comes wrapped in a ``StageError``
  /// naming it so. A stage that runs other stages runs them through this,
  /// so the report shows them.
  ///
  ///     public func run(_ result: AggregateResult, in context: RunContext) throws -> [Table] {
  ///       let tables = try context.run(BuildTables(crossTables), result, label: "build")
  ///       …
  ///     }
  ///
  /// Outside any stage (called directly on a context), the sub-stage is
  /// listed under `label` alone.
  ///
  /// - Parameters:
  ///   - stage: the sub-stage.
  ///   - input: its input.
  ///   - label: its name under the parent; the stage's own label by default.
  public func run<S: Stage>(_ stage: S, _ input: S.Input, label: String? = nil) throws -> S.Output {
    try timed(stage, input, path: stagePath + [label ?? stage.label])
  }

  /// Runs `stage` on `input` as the stage at `path` (its parents' labels
  /// and its own), labelled `path` joined by `/`: its timing goes into the
  /// report (before those of the sub-stages it runs), its time to the log,
  /// and what it throws comes wrapped in a `StageError` naming that label
  /// (a `StageError` and a dry run's stop pass unwrapped).
  func timed<S: Stage>(_ stage: S, _ input: S.Input, path: [String]) throws -> S.Output {
    let label = path.joined(separator: "/")
    let started = DispatchTime.now().uptimeNanoseconds
    let slot = report.stages.count
    let outer = stagePath
    stagePath = path
    defer { stagePath = outer }
    do {
      let out = try stage.run(input, in: self)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
      let timing = RunReport.StageTiming(
        label: label, seconds: (seconds * 1000).rounded() / 1000,
        covers: stage.deferredToScan ? "preparation only; its work is done in the scan" : stage.timedWork)
      report.stages.insert(timing, at: min(slot, report.stages.count))
      let time = String(format: "%.3f", seconds)
      if stage.deferredToScan {
        log("[\(label)] prepared in \(time) s; its work is done in the scan that follows")
      } else if let what = stage.timedWork {
        log("[\(label)] \(what): \(time) s")
      } else {
        log("[\(label)] done in \(time) s")
      }
      return out
    } catch let e as StageError {
      throw e
    } catch let e as DryRunReachedRead {
      throw e
    } catch {
      throw StageError(stage: label, underlying: error)
    }
  }
}
