import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Named points in a run where a test can stop it, exactly, instead of
/// hoping a timed kill lands there.
///
/// - `LUNAPIPE_FAULT=NAME`: the process kills itself (`SIGKILL`) at `NAME`,
///   as a crash or power loss would stop it.
/// - `LUNAPIPE_PAUSE=NAME:GATE`: the first time the run reaches `NAME` it
///   creates the file `GATE.reached` and waits (at most 60 s) until a file
///   `GATE` exists, so that a test can change an input at that very moment:
///   after the fingerprint, between two reads of a file.
///
/// Unset (always, outside tests), a point costs one load of a value read
/// once per process.
package enum FaultPoint {
  private struct Settings: Sendable {
    var kill: String?
    var pause: String?
    var gate: String?
  }

  private static let settings: Settings = {
    let env = ProcessInfo.processInfo.environment
    var s = Settings(kill: env["LUNAPIPE_FAULT"])
    if let p = env["LUNAPIPE_PAUSE"], let colon = p.firstIndex(of: ":") {
      s.pause = String(p[..<colon])
      s.gate = String(p[p.index(after: colon)...])
    }
    return s
  }()

  private static let paused = Mutex()

  /// The run reached the point `name`.
  package static func reached(_ name: String) {
    let s = settings
    if s.kill == nil && s.pause == nil { return }
    if s.kill == name { kill(getpid(), SIGKILL) }
    guard s.pause == name, let gate = s.gate, paused.takeOnce() else { return }
    _ = FileManager.default.createFile(atPath: gate + ".reached", contents: Data())
    let deadline = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: gate) && Date() < deadline { usleep(5_000) }
  }

  /// True the first time only.
  private final class Mutex: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func takeOnce() -> Bool {
      lock.lock()
      defer { lock.unlock() }
      if done { return false }
      done = true
      return true
    }
  }
}
