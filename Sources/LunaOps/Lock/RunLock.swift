import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One run at a time per output directory.
///
/// The lock is an `flock` on `.NAME.lock` beside the output directory
/// `NAME`. The kernel drops an `flock` when its process dies, however it
/// dies, so a killed run never blocks the next one. The file also holds the
/// holder's pid, host and start time: a run that finds the lock free but the
/// file still filled in knows the previous holder died without finishing,
/// and says so. A clean release empties the file; it is never deleted,
/// so two runs can never lock two different files of the same name.
public final class RunLock {
  /// Who holds (or last held) the lock, as its lock file names it.
  public struct Holder: Sendable, Equatable {
    /// The holder's process id.
    public var pid: Int32
    /// The holder's host name.
    public var host: String
    /// When the holder took the lock, ISO 8601 in UTC.
    public var started: String
    /// A holder of these values.
    public init(pid: Int32, host: String, started: String) {
      self.pid = pid
      self.host = host
      self.started = started
    }
  }

  /// Why the lock could not be taken.
  public enum Failure: Error, CustomStringConvertible {
    /// Another live run holds the lock.
    case busy(path: String, holder: Holder?)
    /// The lock file cannot be opened or locked, or a file of its name is not a
    /// LunaPipe lock (then it is left as it is); the message says which.
    case unusable(String)

    /// The message as the command prints it; for `busy`, naming the holder.
    public var description: String {
      switch self {
      case .busy(let path, let h):
        let who = h.map { "run pid \($0.pid) on \($0.host), started \($0.started)" } ?? "another run"
        return "\(path) is locked by \(who); try again when it has finished"
      case .unusable(let m): return m
      }
    }
  }

  /// The lock file's path: `.NAME.lock` beside the output directory `NAME`.
  public let path: String
  /// The holder before us, when it died without releasing the lock.
  public private(set) var takenOverFrom: Holder?
  private var fd: Int32 = -1

  /// Takes the lock for the output directory `outputDirectory`, or throws
  /// `Failure.busy` at once.
  public init(outputDirectory: String) throws {
    let target = URL(fileURLWithPath: outputDirectory).standardizedFileURL
    let parent = target.deletingLastPathComponent()
    path = parent.appendingPathComponent(".\(target.lastPathComponent).lock").path
    try? FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    // Never through a symbolic link: a link planted under the lock's name
    // would have the run create or write its target.
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard fd >= 0 else {
      let e = errno
      var st = stat()
      if e == ELOOP || (lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK) {
        throw Failure.unusable(
          "the lock file \(path) is a symbolic link; LunaPipe never follows one there: remove the link (nothing was changed)")
      }
      throw Failure.unusable("cannot open the lock file \(path): \(String(cString: strerror(e)))")
    }
    var opened = stat()
    if fstat(fd, &opened) == 0, (opened.st_mode & S_IFMT) != S_IFREG {
      close(fd)
      fd = -1
      throw Failure.unusable("\(path) is not a regular file; LunaPipe keeps its lock there: move it away")
    }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
      let e = errno
      let holder = Self.readHolder(fd)
      close(fd)
      fd = -1
      if e == EWOULDBLOCK { throw Failure.busy(path: path, holder: holder) }
      throw Failure.unusable("cannot lock \(path): \(String(cString: strerror(e)))")
    }
    // A file of that name that is not a lock LunaPipe wrote (neither empty
    // nor a holder line) is someone else's: not truncated, the run refused.
    var st = stat()
    let holder = Self.readHolder(fd)
    if fstat(fd, &st) == 0, st.st_size > 0, holder == nil {
      flock(fd, LOCK_UN)
      close(fd)
      fd = -1
      throw Failure.unusable(
        "\(path) exists and is not a LunaPipe lock file; LunaPipe keeps its lock there: move that file away")
    }
    if let h = holder, h.pid != getpid() { takenOverFrom = h }
    let me = "\(getpid())\t\(ProcessInfo.processInfo.hostName)\t\(ISO8601DateFormatter().string(from: Date()))\n"
    ftruncate(fd, 0)
    _ = me.withCString { pwrite(fd, $0, strlen($0), 0) }
    fsync(fd)
  }

  /// Releases the lock and marks it cleanly released.
  public func release() {
    guard fd >= 0 else { return }
    ftruncate(fd, 0)
    flock(fd, LOCK_UN)
    close(fd)
    fd = -1
  }

  deinit { release() }

  private static func readHolder(_ fd: Int32) -> Holder? {
    var buf = [UInt8](repeating: 0, count: 512)
    let n = pread(fd, &buf, buf.count, 0)
    guard n > 0 else { return nil }
    let fields = String(decoding: buf[0..<n], as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\t").map(String.init)
    guard fields.count >= 3, let pid = Int32(fields[0]) else { return nil }
    return Holder(pid: pid, host: fields[1], started: fields[2])
  }
}
