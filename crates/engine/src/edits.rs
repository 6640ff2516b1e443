//! Layout and naming edits the canvas and the inspector make to a diagram: moving and
//! resizing data-center boxes, placing nodes in the box their card sits in, renaming,
//! and changing a data center's region. The engine knows no pixels, so the card size
//! is an argument.

use std::fmt;

use crate::diagram::Diagram;
use crate::region::Region;

/// Longest name a node or data center may have, in characters.
pub const MAX_NAME_CHARS: usize = 40;

/// Why a name or layout edit was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditError {
    /// The name is empty (or only spaces).
    EmptyName,
    /// The name is longer than [`MAX_NAME_CHARS`].
    NameTooLong { chars: usize },
    /// No node with this id.
    UnknownNode { id: String },
    /// No data center with this id.
    UnknownDataCenter { id: String },
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::EmptyName => write!(f, "A name cannot be empty; type one."),
            EditError::NameTooLong { chars } => write!(
                f,
                "A name can have at most {MAX_NAME_CHARS} characters; this one has {chars}."
            ),
            EditError::UnknownNode { id } => write!(f, "There is no component with id \"{id}\"."),
            EditError::UnknownDataCenter { id } => {
                write!(f, "There is no data center with id \"{id}\".")
            }
        }
    }
}

impl std::error::Error for EditError {}

/// A name trimmed of surrounding spaces, or why it cannot be used.
fn checked_name(name: &str) -> Result<String, EditError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 {
        Err(EditError::EmptyName)
    } else if chars > MAX_NAME_CHARS {
        Err(EditError::NameTooLong { chars })
    } else {
        Ok(name.to_string())
    }
}

impl Diagram {
    /// Moves a data center's box so its top-left corner is at (x, y), carrying the nodes
    /// inside it along by the same distance.
    pub fn move_data_center(&mut self, id: &str, x: f64, y: f64) -> Result<(), EditError> {
        let dc = self
            .data_centers
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| EditError::UnknownDataCenter { id: id.to_string() })?;
        let (dx, dy) = (x - dc.x, y - dc.y);
        dc.x = x;
        dc.y = y;
        for n in self
            .nodes
            .iter_mut()
            .filter(|n| n.dc.as_deref() == Some(id))
        {
            n.x += dx;
            n.y += dy;
        }
        Ok(())
    }

    /// Gives a data center's box a new size, keeping its top-left corner. Sizes below
    /// one unit are raised to one, so a box never disappears.
    pub fn resize_data_center(&mut self, id: &str, w: f64, h: f64) -> Result<(), EditError> {
        let dc = self
            .data_centers
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| EditError::UnknownDataCenter { id: id.to_string() })?;
        dc.w = w.max(1.0);
        dc.h = h.max(1.0);
        Ok(())
    }

    /// Moves every node in `ids` by (dx, dy); unknown ids are skipped.
    pub fn move_nodes_by<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>, dx: f64, dy: f64) {
        for id in ids {
            if let Some(n) = self.nodes.iter_mut().find(|n| n.id == id) {
                n.x += dx;
                n.y += dy;
            }
        }
    }

    /// Renames a node; the name is trimmed and must have 1 to [`MAX_NAME_CHARS`]
    /// characters.
    pub fn rename_node(&mut self, id: &str, name: &str) -> Result<(), EditError> {
        let name = checked_name(name)?;
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.id == id)
            .ok_or_else(|| EditError::UnknownNode { id: id.to_string() })?;
        node.name = name;
        Ok(())
    }

    /// Renames a data center, with the same rules as [`Diagram::rename_node`].
    pub fn rename_data_center(&mut self, id: &str, name: &str) -> Result<(), EditError> {
        let name = checked_name(name)?;
        let dc = self
            .data_centers
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| EditError::UnknownDataCenter { id: id.to_string() })?;
        dc.name = name;
        Ok(())
    }

    /// Places a data center in another region (its latency to users and to other data
    /// centers changes with it).
    pub fn set_data_center_region(&mut self, id: &str, region: Region) -> Result<(), EditError> {
        let dc = self
            .data_centers
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| EditError::UnknownDataCenter { id: id.to_string() })?;
        dc.region = region;
        Ok(())
    }

    /// The data center whose box holds the centre of a `card_w`×`card_h` card whose
    /// top-left corner is at (x, y). Where boxes overlap, the one drawn last (on top)
    /// wins.
    pub fn data_center_at(&self, x: f64, y: f64, card_w: f64, card_h: f64) -> Option<&str> {
        let (cx, cy) = (x + card_w / 2.0, y + card_h / 2.0);
        self.data_centers
            .iter()
            .rev()
            .find(|c| cx >= c.x && cx <= c.x + c.w && cy >= c.y && cy <= c.y + c.h)
            .map(|c| c.id.as_str())
    }

    /// Puts every node in the data center its card's centre sits in, or in none. Cards
    /// are `card_w`×`card_h` with their top-left corner at the node's position.
    pub fn assign_data_centers(&mut self, card_w: f64, card_h: f64) {
        for i in 0..self.nodes.len() {
            let n = &self.nodes[i];
            let dc = self
                .data_center_at(n.x, n.y, card_w, card_h)
                .map(str::to_string);
            self.nodes[i].dc = dc;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::Kind;

    const CARD: (f64, f64) = (160.0, 56.0);

    /// A data center at (0, 0) of 400×300 holding a web server, and a database outside.
    fn sample() -> (Diagram, String, String, String) {
        let mut d = Diagram::default();
        let dc = d.add_data_center(Region::Europe, 0.0, 0.0, 400.0, 300.0);
        let web = d.add_node(Kind::WebServer, 40.0, 60.0);
        let db = d.add_node(Kind::Database, 600.0, 60.0);
        d.assign_data_centers(CARD.0, CARD.1);
        (d, dc, web, db)
    }

    #[test]
    fn moving_a_data_center_carries_the_nodes_inside_and_only_those() {
        let (mut d, dc, web, db) = sample();
        d.move_data_center(&dc, 100.0, 50.0).unwrap();
        let c = d.data_center(&dc).unwrap();
        assert_eq!((c.x, c.y), (100.0, 50.0));
        let w = d.node(&web).unwrap();
        assert_eq!((w.x, w.y), (140.0, 110.0));
        let b = d.node(&db).unwrap();
        assert_eq!((b.x, b.y), (600.0, 60.0));
        assert_eq!(
            d.move_data_center("dc-9", 0.0, 0.0),
            Err(EditError::UnknownDataCenter { id: "dc-9".into() })
        );
    }

    #[test]
    fn resizing_keeps_the_corner_and_never_collapses_the_box() {
        let (mut d, dc, _, _) = sample();
        d.resize_data_center(&dc, 640.0, 320.0).unwrap();
        let c = d.data_center(&dc).unwrap();
        assert_eq!((c.x, c.y, c.w, c.h), (0.0, 0.0, 640.0, 320.0));
        d.resize_data_center(&dc, -5.0, 0.0).unwrap();
        let c = d.data_center(&dc).unwrap();
        assert_eq!((c.w, c.h), (1.0, 1.0));
    }

    #[test]
    fn nodes_belong_to_the_box_their_card_centre_is_in() {
        let (mut d, dc, web, db) = sample();
        assert_eq!(d.node(&web).unwrap().dc.as_deref(), Some(dc.as_str()));
        assert_eq!(d.node(&db).unwrap().dc, None);
        // The card's corner is inside the box but its centre is not: outside.
        d.move_node(&web, 340.0, 60.0);
        d.assign_data_centers(CARD.0, CARD.1);
        assert_eq!(d.node(&web).unwrap().dc, None);
        // Dropped into the box: inside.
        d.move_node(&db, 100.0, 200.0);
        d.assign_data_centers(CARD.0, CARD.1);
        assert_eq!(d.node(&db).unwrap().dc.as_deref(), Some(dc.as_str()));
        // Overlapping boxes: the one on top (added last) wins.
        let top = d.add_data_center(Region::Asia, 50.0, 150.0, 400.0, 300.0);
        d.assign_data_centers(CARD.0, CARD.1);
        assert_eq!(d.node(&db).unwrap().dc.as_deref(), Some(top.as_str()));
    }

    #[test]
    fn moving_several_nodes_moves_each_by_the_same_distance() {
        let (mut d, _, web, db) = sample();
        d.move_nodes_by([web.as_str(), db.as_str(), "nope"], 16.0, -32.0);
        assert_eq!(
            (d.node(&web).unwrap().x, d.node(&web).unwrap().y),
            (56.0, 28.0)
        );
        assert_eq!(
            (d.node(&db).unwrap().x, d.node(&db).unwrap().y),
            (616.0, 28.0)
        );
    }

    #[test]
    fn names_are_trimmed_and_must_not_be_empty_or_too_long() {
        let (mut d, dc, web, _) = sample();
        d.rename_node(&web, "  Front end  ").unwrap();
        assert_eq!(d.node(&web).unwrap().name, "Front end");
        assert_eq!(d.rename_node(&web, "   "), Err(EditError::EmptyName));
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            d.rename_node(&web, &long),
            Err(EditError::NameTooLong {
                chars: MAX_NAME_CHARS + 1
            })
        );
        assert_eq!(d.node(&web).unwrap().name, "Front end");
        d.rename_data_center(&dc, "Frankfurt").unwrap();
        assert_eq!(d.data_center(&dc).unwrap().name, "Frankfurt");
        assert_eq!(d.rename_data_center(&dc, ""), Err(EditError::EmptyName));
        assert!(d.rename_node("ghost", "x").is_err());
        assert!(EditError::EmptyName.to_string().contains("cannot be empty"));
    }

    #[test]
    fn a_data_center_changes_region() {
        let (mut d, dc, web, _) = sample();
        d.set_data_center_region(&dc, Region::Oceania).unwrap();
        assert_eq!(d.data_center(&dc).unwrap().region, Region::Oceania);
        let node = d.node(&web).unwrap().clone();
        assert_eq!(d.node_region(&node), Region::Oceania);
        assert!(d.set_data_center_region("nope", Region::Asia).is_err());
    }
}
