import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What a kept state was made under, as one name: everything that decides
/// what a file's scan gives (the schema with its rules and record stages,
/// the aggregations, the stated dialect and number format, the lookup
/// tables' content, the pipeline's name and version, the program itself,
/// whose code the closures are, and the store's scope: the job's options,
/// on which a closure may depend). A closure that depends on anything else
/// (the clock, a file it reads on its own) is not seen: such a pipeline
/// runs without kept states (`RunSettings.incremental`) or with `--full`. A state is reused only under the
/// same signature; any change makes new states, and the old ones are
/// removed once a run no longer needs them.
enum StateSignature {
  /// The format of kept states; a state of another format is not read.
  static let format: UInt64 = 3

  /// The signature of a scan feeding `aggregations`, 32 hex digits.
  static func of(
    schema: Schema, aggregations: [Aggregation], options: ScanOptions, context: RunContext
  ) -> String {
    var text = "lunapipe-state \(format) \(LunaPipeVersion.current)\n"
    text += "pipeline \(context.report.pipeline) \(context.report.version)\n"
    text += "program \(programIdentity())\n"
    text += "scope \(context.incremental?.scope ?? "")\n"
    var scanOptions = options
    scanOptions.threads = 0
    scanOptions.chunkSize = 0
    scanOptions.wholeLines = true
    text += "options "
    canonical(scanOptions, into: &text)
    text += "\nschema "
    canonical(schema, into: &text)
    text += "\naggregations "
    canonical(aggregations, into: &text)
    for rule in schema.rules {
      guard case .lookup(let join) = rule.check else { continue }
      text += "\nlookup "
      canonical(join.stage, into: &text)
      for path in join.files?.paths ?? [] { text += "\n  \(path) \(contentHash(path))" }
    }
    let bytes = Array(text.utf8)
    let (a, b) = bytes.withUnsafeBytes {
      (StateChecksum.of($0), StateChecksum.of($0, seed: 0x1319_8A2E_0370_7344))
    }
    return hex(a) + hex(b)
  }

  static func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
  }

  /// The running program, by its file's size, modification time and inode:
  /// a rebuilt program may compute otherwise (its closures, its code).
  static func programIdentity() -> String {
    var st = stat()
    guard stat("/proc/self/exe", &st) == 0 else { return "unknown \(ProcessInfo.processInfo.processName)" }
    return "\(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_ino)"
  }

  /// Two hashes of a (small) file's content, or its error.
  static func contentHash(_ path: String) -> String {
    guard let data = FileManager.default.contents(atPath: path) else { return "unreadable" }
    return data.withUnsafeBytes { hex(StateChecksum.of($0)) + hex(StateChecksum.of($0, seed: 7)) }
  }

  /// A description of `value` that is the same in every process: sets and
  /// dictionaries in sorted order, an object by its type alone (never an
  /// address), a closure as `(Function)`.
  static func canonical(_ value: Any, into out: inout String, depth: Int = 0) {
    let mirror = Mirror(reflecting: value)
    guard depth < 24 else {
      out += "…"
      return
    }
    switch mirror.displayStyle {
    case .class?:
      out += "<\(type(of: value))>"
    case .set?, .dictionary?:
      var items: [String] = []
      for child in mirror.children {
        var s = ""
        canonical(child.value, into: &s, depth: depth + 1)
        items.append(s)
      }
      out += "{" + items.sorted().joined(separator: ",") + "}"
    case .struct?, .tuple?, .collection?, .optional?, .enum?:
      out += "\(type(of: value))("
      if mirror.displayStyle == .enum {
        // A case without a payload shows only in its description.
        out += String(describing: value).prefix(while: { $0 != "(" })
      }
      for child in mirror.children {
        if let label = child.label { out += label + ":" }
        canonical(child.value, into: &out, depth: depth + 1)
        out += ","
      }
      out += ")"
    default:
      let typeName = "\(type(of: value))"
      if typeName.contains("Unsafe") || typeName.contains("Pointer") {
        out += "<\(typeName)>"
      } else {
        out += String(describing: value)
      }
    }
  }
}
