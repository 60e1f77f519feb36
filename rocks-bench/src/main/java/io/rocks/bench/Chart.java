package io.rocks.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The page's chart, drawn with Java2D (headless) into a PNG: one bar per target, its length how the
 * result compares with the target, so 1 is exactly on target and a bar that reaches past the
 * dashed line meets it whatever the direction of the target.
 */
final class Chart {
  private Chart() {}

  /**
   * One bar: {@code score} is result/target for an "at least" target and target/result for an "at
   * most" one; {@code note} is written after the bar.
   */
  record Bar(String label, double score, boolean met, String note) {}

  private static final Color MET = new Color(0x2e7d32);
  private static final Color MISSED = new Color(0xc62828);
  private static final Color GRID = new Color(0xdddddd);
  private static final Color TEXT = new Color(0x222222);
  private static final Color SOFT = new Color(0x666666);

  static void write(Path file, String title, String subtitle, List<Bar> bars) throws IOException {
    int width = 1400;
    int rowHeight = 34;
    int top = 96;
    int labelWidth = 420;
    int barWidth = 520;
    int height = top + rowHeight * bars.size() + 70;
    double axisMax = 2.0;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);

      g.setColor(TEXT);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
      g.drawString(title, 20, 34);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      g.setColor(SOFT);
      g.drawString(subtitle, 20, 58);

      int x0 = labelWidth;
      // Grid: 0, 0.5, 1 (the target), 1.5, 2.
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int i = 0; i <= 4; i++) {
        double v = i * 0.5;
        int x = x0 + (int) Math.round(barWidth * v / axisMax);
        g.setColor(GRID);
        g.drawLine(x, top - 8, x, top + rowHeight * bars.size());
        g.setColor(SOFT);
        String label = v == 1.0 ? "target" : String.format("%.1f", v);
        g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, top + rowHeight * bars.size() + 18);
      }
      int targetX = x0 + barWidth / 2;

      for (int i = 0; i < bars.size(); i++) {
        Bar bar = bars.get(i);
        int y = top + i * rowHeight;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.setColor(TEXT);
        FontMetrics fm = g.getFontMetrics();
        String label = fit(bar.label(), fm, labelWidth - 30);
        g.drawString(label, labelWidth - 14 - fm.stringWidth(label), y + 21);
        double shown = Double.isFinite(bar.score()) ? Math.max(0, Math.min(bar.score(), axisMax)) : 0;
        int w = (int) Math.round(barWidth * shown / axisMax);
        g.setColor(bar.met() ? MET : MISSED);
        g.fillRect(x0, y + 6, Math.max(w, 2), rowHeight - 12);
        if (Double.isFinite(bar.score()) && bar.score() > axisMax) {
          g.setColor(Color.WHITE);
          g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
          g.drawString(String.format("%.1f \u00bb", bar.score()), x0 + w - 48, y + 22);
        }
        g.setFont(new Font(Font.SANS_SERIF, bar.met() ? Font.PLAIN : Font.BOLD, 13));
        g.setColor(bar.met() ? TEXT : MISSED);
        g.drawString((bar.met() ? "met: " : "MISSED: ") + bar.note(), x0 + barWidth + 16, y + 21);
      }
      g.setColor(TEXT);
      g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
      g.drawLine(targetX, top - 10, targetX, top + rowHeight * bars.size() + 4);

      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.setColor(SOFT);
      g.drawString(
          "Bar length: result / target for an \"at least\" target, target / result for an \"at most\" one"
              + " (1 = exactly on target; longer is better; cut off at 2).",
          20,
          height - 18);
    } finally {
      g.dispose();
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    ImageIO.write(image, "png", file.toFile());
  }

  private static String fit(String text, FontMetrics fm, int width) {
    if (fm.stringWidth(text) <= width) {
      return text;
    }
    String cut = text;
    while (cut.length() > 1 && fm.stringWidth(cut + "\u2026") > width) {
      cut = cut.substring(0, cut.length() - 1);
    }
    return cut + "\u2026";
  }
}
