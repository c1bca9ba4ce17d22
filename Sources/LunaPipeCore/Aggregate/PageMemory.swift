#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Large tables straight from the kernel (`mmap`), for the entity sets.
///
/// Their tables double as they fill, each freed when the next is made; from
/// `malloc`, blocks of a megabyte or two end up in per-thread heaps (glibc
/// raises its mmap threshold after the first such free), where the freed
/// halves stay resident without being reused, and a run's peak memory
/// varied by 40 MB from one run to the next. Pages from `mmap` go back to
/// the kernel on `free`, and come zeroed, which is an empty entry: no pass
/// to clear a new table either.
///
/// The pages are faulted in writable when mapped (`MAP_POPULATE`, Linux).
/// Left to the first access, a hash table's probe reads a page before it
/// writes it: the read maps the shared zero page, and the write then
/// replaces it, which flushes the page from every core's TLB by
/// inter-processor interrupt. On two threads those flushes were a fifth of
/// the praksisplan run's time.
enum PageMemory {
  /// `count` zeroed values of the trivial type `T`.
  static func allocateZeroed<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
    let bytes = max(count * MemoryLayout<T>.stride, 1)
    #if os(Linux)
      let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE
    #else
      let flags = MAP_PRIVATE | MAP_ANONYMOUS
    #endif
    let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, flags, -1, 0)
    guard let p, p != MAP_FAILED else { fatalError("out of memory: mmap of \(bytes) bytes failed") }
    return p.bindMemory(to: T.self, capacity: count)
  }

  /// Gives back what `allocateZeroed` gave for `count` values.
  static func free<T>(_ p: UnsafeMutablePointer<T>, count: Int) {
    munmap(UnsafeMutableRawPointer(p), max(count * MemoryLayout<T>.stride, 1))
  }
}
