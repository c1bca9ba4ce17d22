import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The input files of a run, each opened once and held open until the run
/// ends, so that what is fingerprinted, what is read and what is recorded
/// are the same bytes.
///
/// The first `pin(_:)` or `open(_:)` of a path opens it, refuses anything
/// but a regular file (a FIFO, a device such as `/dev/zero`, a socket or a
/// directory would never end or never hold an extract), and notes its
/// identity: device, inode, size, modification and change time. Every
/// later `open(_:)` of that path gives a descriptor of that same file,
/// even when another file has since been renamed over its path. `verify`
/// then tells whether the file is still what was opened: a file rewritten
/// in place (`rsync --inplace`, `dd conv=notrunc`) has another change time
/// even when its size and modification time were put back, one still being
/// copied in another size, one renamed over another inode.
///
/// A `RunContext` holds one; the readers (`RunContext.scan`,
/// `RunContext.readTextRecords`) open their files through it, and
/// `Runner` pins and fingerprints every input through the same instance
/// before the run starts.
public final class InputFiles: @unchecked Sendable {
  /// What identifies an open file's content: a change to any of these
  /// between the open and the end of the read means the bytes read may not
  /// be the bytes opened.
  public struct Identity: Sendable, Equatable {
    /// The device holding the file.
    public var device: UInt64
    /// Its inode number.
    public var inode: UInt64
    /// Its size in bytes.
    public var size: Int64
    /// Modification time, nanoseconds since the epoch.
    public var mtimeNs: Int64
    /// Status change time, nanoseconds since the epoch: changed by every
    /// write, and not settable by a user (unlike the modification time).
    public var ctimeNs: Int64

    init(_ st: stat) {
      device = UInt64(st.st_dev)
      inode = UInt64(st.st_ino)
      size = Int64(st.st_size)
      #if canImport(Darwin)
        mtimeNs = Int64(st.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(st.st_mtimespec.tv_nsec)
        ctimeNs = Int64(st.st_ctimespec.tv_sec) * 1_000_000_000 + Int64(st.st_ctimespec.tv_nsec)
      #else
        mtimeNs = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        ctimeNs = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
      #endif
    }
  }

  private struct Entry {
    var fd: Int32
    var identity: Identity
  }

  private let lock = NSLock()
  private var entries: [String: Entry] = [:]

  /// No file opened yet.
  public init() {}

  deinit {
    for e in entries.values { close(e.fd) }
  }

  /// `path`, absolute and standardized: the key a file is held under.
  public static func key(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
  }

  /// Opens `path` (once) and returns the identity it had when opened.
  ///
  /// - Throws: `PipelineError.input` when it is missing, cannot be opened
  ///   or is not a regular file.
  @discardableResult
  public func pin(_ path: String) throws -> Identity {
    try entry(path).identity
  }

  /// The identity `path` had when it was opened; nil when it was not.
  public func identity(of path: String) -> Identity? {
    locked { entries[Self.key(path)]?.identity }
  }

  /// The paths opened so far, standardized, in no particular order.
  public var paths: [String] { locked { Array(entries.keys) } }

  /// A new descriptor of the file opened for `path` (opening it first if
  /// needed), positioned at its start, with an offset of its own; the
  /// caller closes it.
  ///
  /// - Throws: `PipelineError.input` as `pin(_:)`.
  public func open(_ path: String) throws -> Int32 {
    let e = try entry(path)
    #if os(Linux)
      // A new open file description of the very file held (the magic link
      // follows the descriptor, not the path): its own offset.
      let fd = posixOpen("/proc/self/fd/\(e.fd)", O_RDONLY | O_CLOEXEC)
      if fd >= 0 { return fd }
    #endif
    var d = dup(e.fd)
    if d < 0 && errno == EMFILE && raiseOpenFileLimit() { d = dup(e.fd) }
    guard d >= 0 else { throw PipelineError.input("\(path): cannot open (\(String(cString: strerror(errno))))") }
    lseek(d, 0, SEEK_SET)
    return d
  }

  /// The whole content of the file opened for `path`, read through one
  /// descriptor of it, and checked with `verify(_:)` after the read.
  public func readAll(_ path: String) throws -> [UInt8] {
    let fd = try open(path)
    defer { close(fd) }
    var out: [UInt8] = []
    if let size = identity(of: path)?.size { out.reserveCapacity(Int(size)) }
    var block = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw PipelineError.input("\(path): read failed (\(String(cString: strerror(errno))))")
      }
      if n == 0 { break }
      out.append(contentsOf: block[0..<n])
    }
    try verify(path)
    return out
  }

  /// Throws `InputChanged` when the file opened for `path` is no longer
  /// what was opened: its size, modification or change time differ, or its
  /// path now names another file (or none). Does nothing for a path never
  /// opened.
  public func verify(_ path: String) throws {
    let k = Self.key(path)
    guard let e = locked({ entries[k] }) else { return }
    var byPath = stat()
    guard stat(k, &byPath) == 0 else {
      throw InputChanged(path: path, opened: e.identity, now: nil, why: "it was removed")
    }
    let there = Identity(byPath)
    if there.device != e.identity.device || there.inode != e.identity.inode {
      throw InputChanged(path: path, opened: e.identity, now: there, why: "another file was put in its place")
    }
    var st = stat()
    guard fstat(e.fd, &st) == 0 else {
      throw InputChanged(path: path, opened: e.identity, now: nil, why: "it can no longer be read")
    }
    let now = Identity(st)
    if now.size != e.identity.size || now.mtimeNs != e.identity.mtimeNs || now.ctimeNs != e.identity.ctimeNs {
      throw InputChanged(
        path: path, opened: e.identity, now: now, why: now.size == e.identity.size ? "rewritten in place" : nil)
    }
  }

  /// `verify(_:)` for every file opened, in the order of their paths.
  public func verifyAll() throws {
    for p in paths.sorted() { try verify(p) }
  }

  private func locked<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }

  private func entry(_ path: String) throws -> Entry {
    let k = Self.key(path)
    return try locked {
      if let e = entries[k] { return e }
      let (fd, st) = try Self.openRegular(path)
      let e = Entry(fd: fd, identity: Identity(st))
      entries[k] = e
      return e
    }
  }

  /// Opens `path` for reading when it is a regular file, without ever
  /// blocking (a FIFO is opened non-blocking and refused): the descriptor
  /// and its `fstat`.
  ///
  /// - Throws: `PipelineError.input` naming the path and what it is.
  public static func openRegular(_ path: String) throws -> (Int32, stat) {
    let fd = posixOpen(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
    guard fd >= 0 else {
      let e = errno
      if e == ENOENT { throw PipelineError.input("\(path): no such file") }
      throw PipelineError.input("\(path): cannot open (\(String(cString: strerror(e))))")
    }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      let e = errno
      close(fd)
      throw PipelineError.input("\(path): cannot open (\(String(cString: strerror(e))))")
    }
    if let what = notRegular(st) {
      close(fd)
      throw PipelineError.input(
        "\(path): is \(what), not a regular file; LunaPipe reads inputs from regular files only (save the delivery to a file and name that)"
      )
    }
    // Regular files ignore O_NONBLOCK; cleared all the same.
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    return (fd, st)
  }

  /// What a non-regular file is ("a directory", "a FIFO (named pipe)", ...);
  /// nil for a regular file.
  public static func notRegular(_ st: stat) -> String? {
    switch st.st_mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFDIR: return "a directory"
    case S_IFIFO: return "a FIFO (named pipe) or pipe"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFSOCK: return "a socket"
    default: return "not a file"
    }
  }
}

/// Raises this process's soft limit of open files to its hard limit;
/// whether it rose.
private func raiseOpenFileLimit() -> Bool {
  var limit = rlimit()
  #if os(Linux)
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
  #else
    let resource = RLIMIT_NOFILE
  #endif
  guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return false }
  limit.rlim_cur = limit.rlim_max
  return setrlimit(resource, &limit) == 0
}

/// `open(2)`, which `InputFiles.open(_:)` hides inside the class. A run
/// holds every input open: a delivery of more files than the soft limit of
/// open files (1,024 by default) raises it to the hard limit.
private func posixOpen(_ path: String, _ flags: Int32) -> Int32 {
  let fd = open(path, flags)
  if fd < 0 && errno == EMFILE && raiseOpenFileLimit() { return open(path, flags) }
  return fd
}

/// An input file changed between its open and the end of its read (or of
/// the run): rewritten, appended to, truncated, or replaced by another file.
/// What was read may mix two versions, so nothing is published; the
/// command exits 66 and the history records the run as refused.
public struct InputChanged: Error, CustomStringConvertible, Sendable {
  /// The path as the run named it.
  public var path: String
  /// The file's identity when it was opened.
  public var opened: InputFiles.Identity
  /// What the descriptor or the path shows now, when it can be seen.
  public var now: InputFiles.Identity?
  /// What happened, when the sizes alone do not say it.
  public var why: String?

  /// The message: the path, both sizes, and what to do.
  public var description: String {
    var what = "\(path) changed while it was read: \(opened.size) bytes when opened"
    if let now { what += ", \(now.size) now" }
    if let why { what += " (\(why))" }
    return what
      + "; nothing is published. A delivery still being copied in or rewritten? Run again when it is complete"
  }
}
