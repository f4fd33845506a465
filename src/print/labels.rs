//! Area labels that do not collide: each label tries a few positions around
//! its anchor and a few sizes, largest areas first, and is dropped (and
//! counted) when no position fits inside the map frame without overlapping a
//! placed label.

/// A rectangle on the page, in millimetres (y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }

    pub fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x && o.y >= self.y && o.x + o.w <= self.x + self.w && o.y + o.h <= self.y + self.h
    }
}

/// A label to place: text, anchor point on the page (mm), and priority
/// (larger first).
#[derive(Debug, Clone)]
pub struct LabelRequest {
    pub text: String,
    pub anchor: (f64, f64),
    pub priority: f64,
}

/// A placed label: centre of the text box, font size (mm) and its box.
#[derive(Debug, Clone)]
pub struct PlacedLabel {
    pub text: String,
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub bbox: Rect,
}

/// Approximate width of DejaVu Sans text in mm (average advance 0.6 em,
/// generous so that boxes never underestimate).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// Place labels inside `frame`, avoiding each other and the `keep_out` boxes
/// (legend, scale bar, north arrow). Returns the placed labels and the
/// number dropped.
pub fn place(mut requests: Vec<LabelRequest>, sizes: &[f64], frame: Rect, keep_out: &[Rect]) -> (Vec<PlacedLabel>, usize) {
    requests.sort_by(|a, b| b.priority.total_cmp(&a.priority));
    let mut placed: Vec<PlacedLabel> = Vec::new();
    let mut dropped = 0;
    'label: for req in requests {
        for &size in sizes {
            let w = text_width(&req.text, size);
            let h = size * 1.25;
            let offsets = [(0.0, 0.0), (0.0, -h), (0.0, h), (w * 0.5, 0.0), (-w * 0.5, 0.0), (0.0, -2.0 * h), (0.0, 2.0 * h)];
            for (dx, dy) in offsets {
                let (cx, cy) = (req.anchor.0 + dx, req.anchor.1 + dy);
                let bbox = Rect {
                    x: cx - w / 2.0,
                    y: cy - h / 2.0,
                    w,
                    h,
                };
                if frame.contains(&bbox)
                    && !keep_out.iter().any(|k| k.intersects(&bbox))
                    && !placed.iter().any(|p| p.bbox.intersects(&bbox))
                {
                    placed.push(PlacedLabel {
                        text: req.text.clone(),
                        x: cx,
                        y: cy,
                        size,
                        bbox,
                    });
                    continue 'label;
                }
            }
        }
        dropped += 1;
    }
    (placed, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crowded_labels_never_overlap() {
        let frame = Rect { x: 0.0, y: 0.0, w: 100.0, h: 100.0 };
        let requests: Vec<LabelRequest> = (0..60)
            .map(|i| LabelRequest {
                text: format!("Ward number {i}"),
                anchor: (50.0 + (i % 7) as f64, 50.0 + (i / 7) as f64),
                priority: i as f64,
            })
            .collect();
        let keep = [Rect { x: 0.0, y: 0.0, w: 30.0, h: 30.0 }];
        let (placed, dropped) = place(requests, &[3.0, 2.5], frame, &keep);
        assert_eq!(placed.len() + dropped, 60);
        assert!(!placed.is_empty() && dropped > 0);
        for (i, a) in placed.iter().enumerate() {
            assert!(frame.contains(&a.bbox));
            assert!(!a.bbox.intersects(&keep[0]));
            for b in &placed[i + 1..] {
                assert!(!a.bbox.intersects(&b.bbox), "{} overlaps {}", a.text, b.text);
            }
        }
    }
}
