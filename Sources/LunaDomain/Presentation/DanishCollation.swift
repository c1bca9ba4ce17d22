/// Danish alphabetical order: `Æ`, `Ø`, `Å` after `Z`, and a leading `Aa`
/// sorted as `Å` (so Aalborg comes last, as the praksisplan prints it).
///
///     names.sorted { DanishCollation.key($0) < DanishCollation.key($1) }   // …, Vesthimmerland, Aalborg
public enum DanishCollation {
  /// The key that sorts `s` in Danish order when keys are compared as
  /// plain strings.
  public static func key(_ s: String) -> String {
    var lower = s.lowercased()
    if lower.hasPrefix("aa") { lower = "å" + lower.dropFirst(2) }
    var out = ""
    for ch in lower {
      switch ch {
      case "æ", "ä": out.append("{")
      case "ø", "ö": out.append("|")
      case "å": out.append("}")
      default: out.append(ch)
      }
    }
    return out
  }
}
