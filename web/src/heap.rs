//! The widget's memory allocator: blocks of power-of-two sizes, one free list per size.
//!
//! Rust's default allocator for wasm (dlmalloc) is 6.7 KB of code, about 2 KB of every
//! visitor's download. The widget needs much less: one thread, a few thousand live blocks,
//! and strings and lists that grow by doubling. Here a request is rounded up to a power of
//! two (at least 8 bytes). A freed block goes on its size's free list. A request takes a
//! free block of its size, or else halves the smallest larger free block down to its size
//! (the other halves go to the free lists), or else is cut from the end of the heap. Blocks
//! are aligned to their own size (up to a page), which meets any alignment not larger than
//! the block (alignments above a page are refused); a gap that alignment leaves at the end
//! of the heap is cut into smaller aligned blocks for the free lists, so nothing is lost.
//! Blocks are never merged again. Every operation is a few instructions; the cost is memory:
//! a block is at most twice its request.

/// Bytes in a wasm memory page: what the heap grows by.
pub const PAGE: usize = 65_536;

/// Where a heap gets more memory: `grow(bytes)` returns a new region `(start, end)` of at
/// least `bytes`, or a first, smaller one (the rest of the memory the module started with),
/// or `None` when there is no more. `end` is a multiple of [`PAGE`]; `start` a multiple of 8.
pub trait Grow {
    fn grow(&mut self, bytes: usize) -> Option<(usize, usize)>;
}

/// Size classes 2^3 … 2^(usize::BITS - 2) (2^30 on wasm32); the list heads are addresses
/// (0: empty).
const CLASSES: usize = usize::BITS as usize;

pub struct Heap<G> {
    free: [usize; CLASSES],
    /// The end of the blocks cut so far, and of the memory the heap has.
    next: usize,
    end: usize,
    more: G,
}

impl<G: Grow> Heap<G> {
    pub const fn new(more: G) -> Self {
        Heap {
            free: [0; CLASSES],
            next: 0,
            end: 0,
            more,
        }
    }

    /// A block of at least `size` bytes aligned to `align` (a power of two), or null.
    ///
    /// # Safety
    /// The heap's memory must be the caller's alone, as `Grow` hands it out.
    pub unsafe fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        let Some(class) = class_of(size, align) else {
            return core::ptr::null_mut();
        };
        // Its size's free block, or the smallest larger one halved down to its size: memory a
        // grown list or string gave back serves smaller requests before the heap grows.
        if let Some(larger) = (class..CLASSES).find(|&c| self.free[c] != 0) {
            let head = self.free[larger];
            // SAFETY: a free block holds the address of the next one in its first word, and
            // its upper halves are as free as it is (each aligned to its own size).
            unsafe {
                self.free[larger] = *(head as *const usize);
                for half in (class..larger).rev() {
                    self.release(head + (1 << half), half);
                }
            }
            return head as *mut u8;
        }
        let block = 1usize << class;
        let aligned = block.min(PAGE);
        loop {
            // Cut the gap up to the alignment into the largest aligned blocks it holds.
            while !self.next.is_multiple_of(aligned) {
                let piece = self.next & self.next.wrapping_neg();
                // SAFETY: the piece lies between `next` and `end`, unused.
                unsafe { self.release(self.next, piece.trailing_zeros() as usize) };
                self.next += piece;
            }
            if self.end - self.next >= block {
                let start = self.next;
                self.next += block;
                return start as *mut u8;
            }
            let Some((start, end)) = self.more.grow(block - (self.end - self.next)) else {
                return core::ptr::null_mut();
            };
            if start != self.end {
                // Not contiguous with the heap (the first growth): the rest of the old
                // memory goes to the free lists, and cutting goes on from the new pages.
                while self.next < self.end {
                    let piece = (self.next & self.next.wrapping_neg())
                        .min(prev_power_of_two(self.end - self.next));
                    // SAFETY: as above.
                    unsafe { self.release(self.next, piece.trailing_zeros() as usize) };
                    self.next += piece;
                }
                self.next = start;
            }
            self.end = end;
        }
    }

    /// Gives back a block from [`Heap::alloc`] with the same size and alignment.
    ///
    /// # Safety
    /// `ptr` came from this heap's `alloc(size, align)` and is not used again.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, size: usize, align: usize) {
        if let Some(class) = class_of(size, align) {
            // SAFETY: the caller gives the block up.
            unsafe { self.release(ptr as usize, class) };
        }
    }

    /// The block grown or shrunk to `new_size`: the same block while its size class holds it.
    ///
    /// # Safety
    /// As [`Heap::dealloc`], for `ptr`, `size` and `align`.
    pub unsafe fn realloc(
        &mut self,
        ptr: *mut u8,
        size: usize,
        align: usize,
        new_size: usize,
    ) -> *mut u8 {
        if class_of(size, align) == class_of(new_size, align) {
            return ptr;
        }
        // SAFETY: a fresh block, and the old one is given back only after the copy.
        unsafe {
            let moved = self.alloc(new_size, align);
            if !moved.is_null() {
                core::ptr::copy_nonoverlapping(ptr, moved, size.min(new_size));
                self.dealloc(ptr, size, align);
            }
            moved
        }
    }

    /// Puts the block at `address` of size 2^`class` on its free list (blocks under 8 bytes,
    /// which no request gets, are left out).
    unsafe fn release(&mut self, address: usize, class: usize) {
        if class < 3 {
            return;
        }
        // SAFETY: the block is at least a word long, aligned, and the heap's.
        unsafe { *(address as *mut usize) = self.free[class] };
        self.free[class] = address;
    }
}

/// The size class (log2 of the block) for a request, or `None` if it is too large to be met
/// or asks for an alignment above a page (blocks are aligned to at most a page).
fn class_of(size: usize, align: usize) -> Option<usize> {
    if align > PAGE {
        return None;
    }
    let wanted = size.max(align).max(8);
    (wanted <= 1 << (usize::BITS - 2)).then(|| wanted.next_power_of_two().trailing_zeros() as usize)
}

fn prev_power_of_two(n: usize) -> usize {
    1 << (usize::BITS - 1 - n.leading_zeros())
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::{Grow, Heap, PAGE};
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;

    extern "C" {
        /// Where the linker's static data ends: the memory above it, up to the end of the
        /// module's initial memory, is free.
        static __heap_base: u8;
    }

    /// The rest of the initial memory first, then new pages: a widget whose start-up fits in
    /// that rest takes one wasm page (64 KiB) less.
    struct Pages {
        started: bool,
    }

    impl Grow for Pages {
        fn grow(&mut self, bytes: usize) -> Option<(usize, usize)> {
            if !std::mem::replace(&mut self.started, true) {
                // Only the symbol's address is taken, never its contents.
                let base = core::ptr::addr_of!(__heap_base) as usize;
                let end = core::arch::wasm32::memory_size(0) * PAGE;
                let start = base.next_multiple_of(8);
                if start < end {
                    return Some((start, end));
                }
            }
            let pages = bytes.div_ceil(PAGE);
            let old = core::arch::wasm32::memory_grow(0, pages);
            (old != usize::MAX).then(|| (old * PAGE, (old + pages) * PAGE))
        }
    }

    struct Global(UnsafeCell<Heap<Pages>>);

    // SAFETY: the widget's wasm runs on one thread (no shared memory, no atomics).
    unsafe impl Sync for Global {}

    #[global_allocator]
    static HEAP: Global = Global(UnsafeCell::new(Heap::new(Pages { started: false })));

    // SAFETY: one thread, and the heap never calls back into the allocator, so no two
    // calls overlap.
    unsafe impl GlobalAlloc for Global {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            unsafe { (*self.0.get()).alloc(layout.size(), layout.align()) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { (*self.0.get()).dealloc(ptr, layout.size(), layout.align()) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            unsafe { (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages from a buffer, handed out in order, up to a limit; the first region starts
    /// `first_gap` bytes into the first page (as static data would leave it).
    struct Arena {
        _memory: Vec<u8>,
        base: usize,
        used: usize,
        pages: usize,
        first_gap: usize,
        /// Leave a page unused after the first region, so the next one is not contiguous.
        hole_after_first: bool,
    }

    impl Arena {
        fn new(pages: usize) -> Self {
            let memory = vec![0u8; (pages + 2) * PAGE];
            let base = (memory.as_ptr() as usize).next_multiple_of(PAGE) + PAGE;
            Arena {
                _memory: memory,
                base,
                used: 0,
                pages,
                first_gap: 0,
                hole_after_first: false,
            }
        }
    }

    impl Grow for Arena {
        fn grow(&mut self, bytes: usize) -> Option<(usize, usize)> {
            let gap = std::mem::take(&mut self.first_gap);
            if gap == 0 && std::mem::take(&mut self.hole_after_first) {
                self.used += 1;
            }
            let pages = if gap > 0 { 1 } else { bytes.div_ceil(PAGE) };
            if self.used + pages > self.pages {
                return None;
            }
            let start = self.base + self.used * PAGE;
            self.used += pages;
            Some((start + gap, start + pages * PAGE))
        }
    }

    /// A small deterministic generator, so a failure can be replayed.
    fn next(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn blocks_are_aligned_apart_and_keep_their_bytes() {
        let mut arena = Arena::new(256);
        // The first region is the rest of a page, as static data leaves the initial memory.
        arena.first_gap = 40_008;
        let mut heap = Heap::new(arena);
        let mut live: Vec<(*mut u8, usize, usize, u8)> = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for step in 0..20_000u32 {
            let roll = next(&mut seed);
            if roll.is_multiple_of(3) && !live.is_empty() {
                let (ptr, size, align, fill) = live.swap_remove((roll as usize / 3) % live.len());
                // SAFETY: each live block was filled with its byte and is given back once.
                unsafe {
                    assert!(
                        (0..size).all(|i| *ptr.add(i) == fill),
                        "a block's bytes changed"
                    );
                    heap.dealloc(ptr, size, align);
                }
            } else if roll % 3 == 1 && !live.is_empty() {
                let at = (roll as usize / 3) % live.len();
                let (ptr, size, align, fill) = live[at];
                let new_size = 1 + (next(&mut seed) % 3000) as usize;
                // SAFETY: as above; the grown block keeps the old bytes.
                unsafe {
                    let moved = heap.realloc(ptr, size, align, new_size);
                    assert!(!moved.is_null());
                    assert_eq!(moved as usize % align, 0, "misaligned after realloc");
                    assert!((0..size.min(new_size)).all(|i| *moved.add(i) == fill));
                    for i in 0..new_size {
                        *moved.add(i) = fill;
                    }
                    live[at] = (moved, new_size, align, fill);
                }
            } else {
                let size = match roll % 61 {
                    0 => 1 + (roll >> 8) as usize % (3 * PAGE),
                    1..=9 => 1 + (roll >> 8) as usize % 20_000,
                    _ => 1 + (roll >> 8) as usize % 200,
                };
                let align = 1 << ((roll >> 40) % 13);
                // SAFETY: a fresh block is the test's to fill.
                let ptr = unsafe { heap.alloc(size, align) };
                assert!(!ptr.is_null(), "out of memory at step {step}");
                assert_eq!(ptr as usize % align, 0, "misaligned");
                let fill = step as u8;
                unsafe { core::ptr::write_bytes(ptr, fill, size) };
                live.push((ptr, size, align, fill));
            }
        }
        // No two live blocks overlap.
        let mut spans: Vec<(usize, usize)> = live
            .iter()
            .map(|&(p, size, align, _)| {
                (
                    p as usize,
                    p as usize + (1 << class_of(size, align).unwrap()),
                )
            })
            .collect();
        spans.sort();
        assert!(
            spans.windows(2).all(|w| w[0].1 <= w[1].0),
            "two blocks overlap"
        );
    }

    #[test]
    fn a_freed_block_is_handed_out_again_and_a_class_grows_in_place() {
        let mut heap = Heap::new(Arena::new(4));
        // SAFETY: blocks from this heap, given back once.
        unsafe {
            let a = heap.alloc(100, 8);
            heap.dealloc(a, 100, 8);
            assert_eq!(heap.alloc(120, 4), a, "the 128-byte block comes back");
            assert_eq!(heap.realloc(a, 120, 4, 128), a, "128 still fits its block");
            assert_ne!(heap.realloc(a, 128, 4, 129), a, "129 needs the next size");
        }
    }

    #[test]
    fn a_freed_large_block_is_halved_for_smaller_requests() {
        let mut heap = Heap::new(Arena::new(4));
        // SAFETY: blocks from this heap, given back once.
        unsafe {
            let large = heap.alloc(2 * PAGE, 8);
            heap.dealloc(large, 2 * PAGE, 8);
            let used = heap.more.used;
            assert_eq!(
                heap.alloc(100, 8),
                large,
                "the first half of the first half …"
            );
            assert_eq!(
                heap.alloc(128, 8) as usize,
                large as usize + 128,
                "… its buddy"
            );
            assert_eq!(
                heap.alloc(PAGE, 8) as usize,
                large as usize + PAGE,
                "the upper half"
            );
            assert_eq!(heap.more.used, used, "the heap did not grow");
        }
    }

    #[test]
    fn alignments_above_a_page_are_refused() {
        let mut heap = Heap::new(Arena::new(4));
        // SAFETY: only requests.
        unsafe {
            assert!(heap.alloc(8, 2 * PAGE).is_null());
            assert!(!heap.alloc(8, PAGE).is_null());
        }
    }

    #[test]
    fn the_rest_of_a_region_that_the_next_does_not_follow_goes_to_the_free_lists() {
        let mut arena = Arena::new(4);
        arena.first_gap = PAGE - 3000;
        arena.hole_after_first = true;
        let first = arena.base + PAGE - 3000;
        let mut heap = Heap::new(arena);
        // SAFETY: blocks from this heap.
        unsafe {
            let big = heap.alloc(4096, 8) as usize;
            assert_eq!(
                big,
                first + 3000 + PAGE,
                "from the next region, after the hole"
            );
            // The 3,000 bytes left of the first region serve small requests.
            for size in [8, 16, 64, 512, 1024] {
                let p = heap.alloc(size, 8) as usize;
                assert!((first..first + 3000).contains(&p), "{size} at {p:x}");
            }
        }
    }

    #[test]
    fn the_rest_of_the_first_page_is_used_before_a_new_page() {
        let mut arena = Arena::new(3);
        arena.first_gap = PAGE - 1024;
        let start = arena.base;
        let mut heap = Heap::new(arena);
        // SAFETY: blocks from this heap.
        unsafe {
            let a = heap.alloc(512, 8) as usize;
            let b = heap.alloc(512, 8) as usize;
            assert_eq!((a, b), (start + PAGE - 1024, start + PAGE - 512));
            assert_eq!(heap.more.used, 1, "no second page yet");
            let c = heap.alloc(8, 8) as usize;
            assert_eq!(c, start + PAGE, "then the next page, right after");
            assert_eq!(heap.more.used, 2);
        }
    }

    #[test]
    fn a_large_alignment_gap_is_not_lost_and_memory_runs_out_cleanly() {
        let mut heap = Heap::new(Arena::new(3));
        // SAFETY: blocks from this heap.
        unsafe {
            let small = heap.alloc(8, 8);
            let page = heap.alloc(PAGE, 8);
            assert_eq!(page as usize % PAGE, 0);
            // The gap between the first block and the page-aligned one fed the free lists:
            // these come from it, below the page block.
            for size in [8, 16, 32, 64, 1024, 16_384, 32_768] {
                let p = heap.alloc(size, 8);
                assert!(
                    (p as usize) > small as usize && (p as usize) < page as usize,
                    "{size}"
                );
            }
            assert!(heap.alloc(4 * PAGE, 8).is_null(), "more than the arena has");
            assert!(heap.alloc(usize::MAX / 2, 8).is_null());
        }
    }
}
