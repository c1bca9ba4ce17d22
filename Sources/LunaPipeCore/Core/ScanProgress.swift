import Foundation

/// How far a run's reading has come: bytes read of the total, and the file
/// being read. The scan's reader updates it once per block; a progress
/// display polls `snapshot()` from another thread.
public final class ScanProgress: @unchecked Sendable {
  /// The progress at one moment.
  public struct Snapshot: Sendable, Equatable {
    /// Bytes read so far, over all files.
    public var bytesRead: Int
    /// Bytes of all the files expected so far (``ScanProgress/expect(bytes:)``).
    public var totalBytes: Int
    /// The path of the file being read; empty before the first.
    public var currentFile: String
    /// A snapshot of these values.
    public init(bytesRead: Int, totalBytes: Int, currentFile: String) {
      self.bytesRead = bytesRead
      self.totalBytes = totalBytes
      self.currentFile = currentFile
    }
  }

  private let lock = NSLock()
  private var state = Snapshot(bytesRead: 0, totalBytes: 0, currentFile: "")

  /// Nothing read, nothing expected yet.
  public init() {}

  /// The progress now; safe to call from any thread.
  public func snapshot() -> Snapshot {
    lock.lock()
    defer { lock.unlock() }
    return state
  }

  /// Adds `bytes` to the total still to be read (called once per file list).
  public func expect(bytes: Int) {
    lock.lock()
    state.totalBytes += bytes
    lock.unlock()
  }

  func begin(file: String) {
    lock.lock()
    state.currentFile = file
    lock.unlock()
  }

  func advance(_ bytes: Int) {
    lock.lock()
    state.bytesRead += bytes
    lock.unlock()
  }
}
