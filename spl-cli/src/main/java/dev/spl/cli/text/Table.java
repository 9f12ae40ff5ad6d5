package dev.spl.cli.text;

import java.io.PrintStream;
import java.util.List;

/** Prints rows as left-aligned columns separated by two spaces. */
public final class Table {
  private Table() {}

  public static void print(PrintStream out, List<String> header, List<String[]> rows) {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
    }
    for (String[] row : rows) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    out.println(line(header.toArray(String[]::new), widths));
    for (String[] row : rows) {
      out.println(line(row, widths));
    }
  }

  private static String line(String[] cells, int[] widths) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        sb.append("  ");
      }
      sb.append(cells[i]);
      if (i < cells.length - 1) {
        sb.append(" ".repeat(widths[i] - cells[i].length()));
      }
    }
    return sb.toString();
  }
}
