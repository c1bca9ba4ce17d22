/// Header and name matching that treats spellings alike: case, the
/// spaces around a name, and the Nordic and German letters spelt out
/// (`æ`/`ä` = `ae`, `ø`/`ö` = `oe`, `å` = `aa`), as extracts written on
/// keyboards without them spell them.
public enum HeaderName {
  /// The form two names are compared in: surrounding spaces trimmed,
  /// lower-cased, and `æ`/`ø`/`å` spelt `ae`/`oe`/`aa`, so `År` = `Aar`,
  /// `Måned` = `Maaned`, `Træning` = `Traening`.
  public static func normalize(_ name: String) -> String {
    // ASCII (the common case): the same result without Unicode case mapping
    // or a Set per call; header matching calls this columns × fields times.
    if name.utf8.allSatisfy({ $0 < 0x80 }) {
      var b = Array(name.utf8)
      for i in b.indices where b[i] &- 65 < 26 { b[i] |= 0x20 }
      var lo = 0
      var hi = b.count
      while lo < hi && (b[lo] == 32 || b[lo] == 9) { lo += 1 }
      while hi > lo && (b[hi - 1] == 32 || b[hi - 1] == 9) { hi -= 1 }
      return String(decoding: b[lo..<hi], as: UTF8.self)
    }
    var out = ""
    out.reserveCapacity(name.utf8.count)
    for ch in name.lowercased() {
      switch ch {
      case "æ", "ä": out += "ae"
      case "ø", "ö": out += "oe"
      case "å": out += "aa"
      default: out.append(ch)
      }
    }
    return out.trimmingCharacters(in: " \t\u{00A0}\u{FEFF}")
  }
}

extension String {
  func trimmingCharacters(in set: String) -> String {
    let chars = Set(set)
    var s = Substring(self)
    while let f = s.first, chars.contains(f) { s.removeFirst() }
    while let l = s.last, chars.contains(l) { s.removeLast() }
    return String(s)
  }
}
