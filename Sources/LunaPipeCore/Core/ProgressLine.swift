/// One line of a terminal progress display: a bar, bytes read of the total,
/// the rate, the time left and the file being read.
///
///     [##########··········]  52%  141/271 MB  128 MB/s  ETA 1s  ydelser-2021.csv
public enum ProgressLine {
  /// The progress line for `s` after `elapsedSeconds` of reading, cut to
  /// `width` characters. The rate is the average since the start; the time
  /// left is `ETA --` until a byte has been read. Megabytes are 10^6 bytes.
  public static func render(_ s: ScanProgress.Snapshot, elapsedSeconds: Double, width: Int = 80) -> String {
    let total = max(s.totalBytes, 1)
    let fraction = min(1, Double(s.bytesRead) / Double(total))
    let cells = 20
    let filled = Int((fraction * Double(cells)).rounded(.down))
    let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "·", count: cells - filled) + "]"
    let percent = Int((fraction * 100).rounded(.down))
    let mb = 1_000_000.0
    let rate = elapsedSeconds > 0 ? Double(s.bytesRead) / elapsedSeconds : 0
    var eta = "ETA --"
    if rate > 0 && s.bytesRead > 0 {
      eta = "ETA " + duration(Double(s.totalBytes - s.bytesRead) / rate)
    }
    let file = s.currentFile.split(separator: "/").last.map(String.init) ?? ""
    let line =
      "\(bar) \(pad(percent, 3))%  \(Int(Double(s.bytesRead) / mb))/\(Int(Double(s.totalBytes) / mb)) MB  "
      + "\(Int(rate / mb)) MB/s  \(eta)  \(file)"
    return line.count > width ? String(line.prefix(width)) : line
  }

  /// `42s`, `3m05s`, `1h02m`.
  public static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded(.up))
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m" + two(s % 60) + "s" }
    return "\(s / 3600)h" + two(s % 3600 / 60) + "m"
  }

  private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
  private static func pad(_ n: Int, _ w: Int) -> String {
    let s = String(n)
    return String(repeating: " ", count: max(0, w - s.count)) + s
  }
}
