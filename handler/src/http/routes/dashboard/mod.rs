//! Dashboards behind signed links: asking for a link, the page, the 汇总表 downloads, the
//! actions on one application, and sending the 汇总表 to the centre.

mod actions;
mod downloads;
mod link;
mod send;
mod show;

pub use actions::{answer_erasure, receive_paper, void};
pub use downloads::{summary_csv, summary_xlsx};
pub use link::{request_link, request_page};
pub use send::{confirm_send, send_summary};
pub use show::show;
