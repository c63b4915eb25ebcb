//! `/status/{token}`: the applicant's page (or JSON), their actions (withdraw, resubmit a
//! returned application, add documents) and their rights (下载我的数据, 删除我的申报). A status
//! link can never approve.

mod act;
mod mine;
mod show;

pub use act::{act, withdraw};
pub use mine::{erase, erase_page, my_data};
pub use show::show;
