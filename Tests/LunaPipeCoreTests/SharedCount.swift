import Foundation

/// A count shared with work on other threads.
final class SharedCount: @unchecked Sendable {
  private let lock = NSLock()
  private var n = 0
  func add() {
    lock.lock()
    n += 1
    lock.unlock()
  }
  var value: Int {
    lock.lock()
    defer { lock.unlock() }
    return n
  }
}
