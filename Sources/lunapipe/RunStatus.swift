import ArgumentParser
import LunaOps
import Logging

/// The run's status as the last line of a JSON log (`--log-format json`),
/// on success and on failure: `status` (`ok`, `up-to-date`, `failed`),
/// `exitCode`, `run` (the history's id; absent when the attempt could not
/// be recorded or never reached the runner) and the counts (`read`,
/// `accepted`, `rejected`, `skipped`) as JSON numbers, with `out`.
enum RunStatus {
  /// Logs a status line.
  static func log(_ message: String, status: String, exitCode: Int32, run: Int64?, counts: [String: Int], out: String) {
    var metadata: Logger.Metadata = [
      "status": .string(status), "exitCode": .stringConvertible(Int(exitCode)), "out": .string(out),
    ]
    if let run { metadata["run"] = .stringConvertible(run) }
    for (k, n) in counts { metadata[k] = .stringConvertible(n) }
    Log.status(message, metadata: metadata, exitCode: exitCode)
  }

  /// Logs the status line of a run that ended in `error`.
  static func failed(_ error: Error, out: String) {
    let code = exitCode(of: error)
    let failure = error as? RunFailure
    log(
      failure?.message ?? "the run stopped before it started (exit \(code))", status: "failed", exitCode: code,
      run: failure?.run, counts: counts(failure?.counts ?? .init()), out: out)
  }

  /// The process's exit code for `error`.
  static func exitCode(of error: Error) -> Int32 {
    if let e = error as? ExitCode { return e.rawValue }
    if error is ValidationError { return ExitCode.validationFailure.rawValue }
    return RunExit.code(for: error)
  }

  /// A history record's counts, by the names the status line gives them.
  static func counts(_ c: RunRecord.Counts) -> [String: Int] {
    ["read": c.read, "accepted": c.accepted, "rejected": c.rejected, "skipped": c.skipped]
  }
}
