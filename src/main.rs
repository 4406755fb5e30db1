//! The entry point trunk builds: mounts the widget into the page.

fn main() {
    docent::start();
}
