import ArgumentParser
import Foundation
import LunaPipeCore
import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// How log records reach standard error.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
  /// `lunapipe: message`, warnings and errors marked.
  case human
  /// One JSON object per line: time, level, message and metadata.
  case json
}

/// swift-log handler writing human-readable lines or JSON lines to stderr.
/// While a progress bar is drawn, it is cleared before a record is written
/// and redrawn after.
struct StderrLogHandler: LogHandler {
  var format: LogFormat
  var logLevel: Logger.Level = .info
  var metadata: Logger.Metadata = [:]

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
    let text: String
    switch format {
    case .human:
      let mark = event.level >= .warning ? "\(event.level == .warning ? "warning" : "error"): " : ""
      text = "lunapipe: \(mark)\(event.message)\n"
    case .json:
      var object: [String: Any] = ["time": Self.timestamp(), "level": event.level.rawValue, "message": "\(event.message)"]
      for (k, v) in all { object[k] = Self.json(v) }
      let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
      text = String(decoding: data, as: UTF8.self) + "\n"
    }
    ProgressDisplay.shared.print(text)
  }

  /// A metadata value as JSON: an integer, a floating-point number or a
  /// Bool given as such (`.stringConvertible(42)`) stays a JSON number or
  /// Bool; everything else is text, arrays and dictionaries as they are.
  static func json(_ value: Logger.MetadataValue) -> Any {
    switch value {
    case .string(let s): return s
    case .stringConvertible(let c):
      switch c {
      case let i as Int: return i
      case let i as Int64: return i
      case let i as Int32: return i
      case let d as Double where d.isFinite: return d
      case let b as Bool: return b
      default: return c.description
      }
    case .array(let a): return a.map(json)
    case .dictionary(let d): return d.mapValues(json)
    }
  }

  private static func timestamp() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: Date())
  }
}

enum Log {
  nonisolated(unsafe) private static var bootstrapped = false
  nonisolated(unsafe) static var logger = Logger(label: "lunapipe")

  /// Sets up logging once per process.
  static func setUp(format: LogFormat, quiet: Bool) {
    if !bootstrapped {
      bootstrapped = true
      LoggingSystem.bootstrap { _ in StderrLogHandler(format: format) }
    }
    logger = Logger(label: "lunapipe")
    logger.logLevel = quiet ? .error : .info
  }

  /// Logs a run's status, whatever `--quiet`: with `--log-format json` the
  /// last line of the log, `{"status": ..., "exitCode": n, "run": id,
  /// "read": n, ...}` with the counts as JSON numbers (level `info` for
  /// exit 0, `error` otherwise).
  static func status(_ message: String, metadata: Logger.Metadata, exitCode: Int32) {
    var l = Logger(label: "lunapipe")
    l.logLevel = .info
    l.log(level: exitCode == 0 ? .info : .error, "\(message)", metadata: metadata)
  }
}

/// A progress bar on standard error, redrawn four times a second, when
/// standard error is a terminal; nothing otherwise.
final class ProgressDisplay: @unchecked Sendable {
  static let shared = ProgressDisplay()
  private let lock = NSLock()
  private var source: ScanProgress?
  private var started = Date()
  private var line = ""
  private var timer: DispatchSourceTimer?

  /// Whether standard error is a terminal.
  static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

  func start(_ progress: ScanProgress) {
    lock.lock()
    defer { lock.unlock() }
    source = progress
    started = Date()
    let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
    t.schedule(deadline: .now() + 0.25, repeating: 0.25)
    t.setEventHandler { [weak self] in self?.redraw() }
    t.resume()
    timer = t
  }

  func stop() {
    lock.lock()
    defer { lock.unlock() }
    timer?.cancel()
    timer = nil
    source = nil
    clear()
  }

  /// Writes `text` to stderr, keeping the bar below it.
  func print(_ text: String) {
    lock.lock()
    defer { lock.unlock() }
    let had = !line.isEmpty
    clear()
    StandardStreams.write(text, to: STDERR_FILENO)
    if had, let s = source { draw(s) }
  }

  private func redraw() {
    lock.lock()
    defer { lock.unlock() }
    if let s = source { draw(s) }
  }

  private func draw(_ s: ScanProgress) {
    let snapshot = s.snapshot()
    guard snapshot.totalBytes > 0 else { return }
    var ws = winsize()
    let width = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 20 ? Int(ws.ws_col) - 1 : 79
    line = ProgressLine.render(snapshot, elapsedSeconds: Date().timeIntervalSince(started), width: width)
    StandardStreams.write("\r\u{1B}[K" + line, to: STDERR_FILENO)
  }

  private func clear() {
    if !line.isEmpty {
      StandardStreams.write("\r\u{1B}[K", to: STDERR_FILENO)
      line = ""
    }
  }
}

/// Writes to standard output and standard error that never end the run.
///
/// `FileHandle.write` traps on any error (a full device, a closed pipe: the
/// process dies with SIGILL), and a write to a pipe whose reader left raises
/// SIGPIPE. A run's record is its history and its run report, not the
/// terminal: a log line that cannot be written is dropped, and the run goes
/// on to publish and exit with its own code.
enum StandardStreams {
  /// Ignores SIGPIPE for the process: a closed pipe then shows as EPIPE,
  /// which `write` drops.
  static func ignoreBrokenPipes() { signal(SIGPIPE, SIG_IGN) }

  /// Writes `text` to `fd`, retrying short writes and EINTR; any other
  /// error (EPIPE, ENOSPC, EBADF, EIO) drops the rest.
  static func write(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { buf in
      guard var p = buf.baseAddress else { return }
      var left = buf.count
      while left > 0 {
        let n = Glibc.write(fd, p, left)
        if n < 0 {
          if errno == EINTR { continue }
          return
        }
        p += n
        left -= n
      }
    }
  }
}

/// `print` for the command's own output on stdout, safe like the log.
func say(_ text: String) {
  StandardStreams.write(text + "\n", to: STDOUT_FILENO)
}
