//! The event queue: a min-heap keyed by `(time, seq)`. `seq` only grows, so events scheduled
//! for the same virtual time run in the order they were scheduled.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// What the heap orders: an event's time, its sequence number and where it waits. The events
/// themselves wait in a slab, so that sifting moves 24 bytes, not a whole message.
struct Key {
    time_us: u64,
    seq: u64,
    slot: u32,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        (self.time_us, self.seq) == (other.time_us, other.seq)
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest event.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time_us, other.seq).cmp(&(self.time_us, self.seq))
    }
}

pub struct EventQueue<E> {
    heap: BinaryHeap<Key>,
    // Invariant: a slot holds an event exactly while a key in the heap names it.
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    // Invariant: every scheduled event has seq < next_seq.
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    pub fn push(&mut self, time_us: u64, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Key {
            time_us,
            seq: self.next_seq,
            slot,
        });
        self.next_seq += 1;
    }

    pub fn pop(&mut self) -> Option<(u64, E)> {
        let key = self.heap.pop()?;
        self.free.push(key.slot);
        let event = self.slots[key.slot as usize]
            .take()
            .expect("a key names a waiting event");
        Some((key.time_us, event))
    }

    /// The waiting events as `(time, seq, event)`, in no particular order (sort by the first
    /// two for the order they will run in).
    pub fn waiting(&self) -> impl Iterator<Item = (u64, u64, &E)> {
        self.heap.iter().map(|k| {
            let event = self.slots[k.slot as usize].as_ref();
            (
                k.time_us,
                k.seq,
                event.expect("a key names a waiting event"),
            )
        })
    }

    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|k| k.time_us)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(5, "c");
        q.push(1, "a");
        q.push(5, "d");
        q.push(1, "b");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(1, "a"), (1, "b"), (5, "c"), (5, "d")]);
    }
}
