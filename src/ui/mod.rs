//! The page: its panels, `window.spinlab`, the code panel and the links.
//! Imports the models, the runtime and the core; nothing imports it.
//! Only on `wasm32`.

pub mod bench;
pub mod big_picture;
pub mod capabilities;
pub mod code;
pub mod contents;
pub mod context;
pub mod crossing;
pub mod dom;
pub mod errors_lab;
pub mod intro;
pub mod link;
pub mod lock_lab;
pub mod page;
pub mod pool_lab;
pub mod scheduler;
pub mod smoke;
pub mod spinner_lab;
