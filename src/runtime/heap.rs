//! The live heap, counted: the system allocator wrapped with one atomic
//! counter, so that `spinlab.stats()` can say how many bytes are held right
//! now. Wasm memory only ever grows (its size is a high-water mark that the
//! allocator's fragmentation moves too); the live count goes back down when
//! a run frees what it took — thread stacks and TLS included, which
//! wasm-bindgen allocates through this allocator. The end-to-end tests use it
//! to prove that runs and stops leave nothing behind.
//!
//! Nothing but one thing: on wasm, Rust's thread-local destructors never run
//! (there is no thread exit; `__wbindgen_thread_destroy` frees a thread's
//! stack and TLS block, not the heap values its thread-locals own, such as
//! wasm-bindgen's table of JS handles). Each finished thread so leaves a few
//! hundred bytes (512 measured), which `census::threads_started` accounts for.
//!
//! Each process (worker with its own module instance) counts its own heap;
//! the page reports the main instance's, which every thread shares.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only a counter is
// updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on to `System`.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated and not yet freed in this module instance, all threads.
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}
