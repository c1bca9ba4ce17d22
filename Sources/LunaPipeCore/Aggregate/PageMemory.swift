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
///
/// A table of 2 MiB or more is mapped on 2 MiB boundaries, in a whole
/// number of 2 MiB pages, and asked for transparent huge pages
/// (`MADV_HUGEPAGE`, Linux) before it is faulted in: a national extract's
/// entity tables are a few hundred MB probed at random, and with 4 KiB
/// pages nearly every probe also missed the TLB.
enum PageMemory {
  /// The huge page size tables of at least this size are mapped in.
  static let hugePage = 2 << 20

  /// The bytes mapped for `count` values of `T`.
  @inline(__always) static func mappedBytes<T>(_: T.Type, count: Int) -> Int {
    let bytes = max(count * MemoryLayout<T>.stride, 1)
    #if os(Linux)
      if bytes >= hugePage { return (bytes + hugePage - 1) / hugePage * hugePage }
    #endif
    return bytes
  }

  /// `count` zeroed values of the trivial type `T`.
  static func allocateZeroed<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
    let bytes = mappedBytes(T.self, count: count)
    #if os(Linux)
      if bytes >= hugePage { return huge(bytes).bindMemory(to: T.self, capacity: count) }
      let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE
    #else
      let flags = MAP_PRIVATE | MAP_ANONYMOUS
    #endif
    let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, flags, -1, 0)
    guard let p, p != MAP_FAILED else { fatalError("out of memory: mmap of \(bytes) bytes failed") }
    return p.bindMemory(to: T.self, capacity: count)
  }

  #if os(Linux)
    /// `bytes` (a multiple of `hugePage`) on a `hugePage` boundary, advised
    /// for huge pages, then faulted in writable.
    private static func huge(_ bytes: Int) -> UnsafeMutableRawPointer {
      let span = bytes + hugePage
      guard let raw = mmap(nil, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED
      else { fatalError("out of memory: mmap of \(span) bytes failed") }
      let start = Int(bitPattern: raw)
      let aligned = (start + hugePage - 1) / hugePage * hugePage
      if aligned > start { munmap(raw, aligned - start) }
      let end = start + span, used = aligned + bytes
      if end > used { munmap(UnsafeMutableRawPointer(bitPattern: used), end - used) }
      let p = UnsafeMutableRawPointer(bitPattern: aligned)!
      _ = madvise(p, bytes, MADV_HUGEPAGE)
      // Faulted in writable now (see above); MADV_POPULATE_WRITE (23)
      // from Linux 5.14, else one write per page.
      if madvise(p, bytes, 23) != 0 {
        for offset in stride(from: 0, to: bytes, by: 4096) { p.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self) }
      }
      return p
    }
  #endif

  /// Gives back what `allocateZeroed` gave for `count` values.
  static func free<T>(_ p: UnsafeMutablePointer<T>, count: Int) {
    munmap(UnsafeMutableRawPointer(p), mappedBytes(T.self, count: count))
  }
}

/// Memory a worker writes on every record (its decoder's state and values,
/// its aggregate's pending sightings and hot slots), in whole cache-line
/// pairs of its own: two workers' small allocations never share a line, so
/// neither waits on the other's writes (false sharing), which cost the
/// second core much of its gain. Freed with `deallocate()`.
enum CacheLines {
  /// 128: a line and the one the adjacent-line prefetcher pulls with it.
  static let size = 128

  @inline(__always) static func allocate<T>(_ capacity: Int) -> UnsafeMutablePointer<T> {
    let bytes = (max(capacity, 1) * MemoryLayout<T>.stride + size - 1) / size * size
    return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: size).bindMemory(to: T.self, capacity: capacity)
  }
}
