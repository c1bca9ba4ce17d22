internal import CXLSXWriter
import LunaPipeCore

/// The data-quality page (`QualityPage`) as a workbook sheet
/// ("Datakvalitet"), after the tables' sheets: each block's heading in
/// bold, its sentences, its table with a header row. Numbers stay text as
/// the page writes them: the sheet is read, not computed with.
struct QualitySheet {
  /// The page whose blocks the sheet holds.
  var page: QualityPage

  /// Adds the sheet of `q` to `wb` and returns it (row 1 is left free for
  /// the link back to the contents sheet).
  @discardableResult
  func add(to wb: UnsafeMutablePointer<lxw_workbook>, _ q: DataQuality) throws -> UnsafeMutablePointer<lxw_worksheet> {
    guard let ws = workbook_add_worksheet(wb, page.title) else {
      throw XLSXWorkbook.Failure(description: "cannot add sheet \(page.title)")
    }
    let title = workbook_add_format(wb)
    format_set_bold(title)
    format_set_font_size(title, 13)
    format_set_font_color(title, 0x1F4E79)
    let heading = workbook_add_format(wb)
    format_set_bold(heading)
    let header = workbook_add_format(wb)
    format_set_bold(header)
    format_set_font_color(header, 0xFFFFFF)
    format_set_bg_color(header, 0x1F4E79)
    let wrap = workbook_add_format(wb)
    format_set_text_wrap(wrap)
    format_set_align(wrap, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))

    func put(_ r: Int, _ c: Int, _ text: String, _ f: UnsafeMutablePointer<lxw_format>?) throws {
      let e = worksheet_write_string(ws, lxw_row_t(r), lxw_col_t(c), text, f)
      guard e == LXW_NO_ERROR else {
        throw XLSXWorkbook.Failure(description: "xlsx: \(page.title): \(String(cString: lxw_strerror(e)))")
      }
    }
    var widths = [14.0, 14, 12, 12]
    try put(0, 0, page.title, title)
    var r = 2
    for b in page.blocks(q) {
      try put(r, 0, b.title, heading)
      r += 1
      for l in b.lines {
        try put(r, 0, l, nil)
        r += 1
      }
      if !b.header.isEmpty {
        for (c, h) in b.header.enumerated() { try put(r, c, h, header) }
        r += 1
        for row in b.rows {
          for (c, cell) in row.enumerated() {
            try put(r, c, cell, cell.contains("\n") ? wrap : nil)
            while widths.count <= c { widths.append(12) }
            let longest = cell.split(separator: "\n").map(\.count).max() ?? 0
            widths[c] = max(widths[c], min(80, Double(longest) * 1.1 + 2))
          }
          r += 1
        }
      }
      r += 1
    }
    for (c, w) in widths.enumerated() { worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), w, nil) }
    return ws
  }
}
