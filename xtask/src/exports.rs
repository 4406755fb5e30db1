//! Exported functions at consecutive indices, which saves every visitor 64 KB of JS heap.
//!
//! A WebAssembly export's JS function is named after its function index ("462"), and V8
//! makes those names when the module is instantiated, through its cache of small numbers
//! turned into strings. That cache starts small; the first time two numbers land on the same
//! slot, V8 replaces it with its full size: 64,512 bytes of heap from then on. The widget's
//! exports were scattered over the module (462, 501, 275, …, 757) and two of them met, so the
//! cache grew at instantiation, on every page (measured with a heap snapshot: the blank page
//! 1,032 B, Docent's 64,512; a test module with our export indices grew it, the same count
//! of exports at consecutive indices did not).
//!
//! This moves no function: it appends one small function per exported one (its parameters
//! passed to a `call` of it) and points the export there. Appended functions get the last
//! indices, one after another, so their names never meet in the cache. Calls from JS cost
//! one wasm call more; the code inside the module is untouched. One thing an export did that
//! a forwarder does not: it declared its function for `ref.func`; a module whose code took
//! such a reference to an exported function only would no longer validate, so `cargo xtask
//! size` has the browser's engine (Node's) validate every shipped build.

/// A module's bytes with each exported function reached through an appended forwarder.
pub fn consecutive(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let sections = sections(wasm)?;
    let find = |id: u8| sections.iter().find(|s| s.0 == id).map(|s| s.1);
    let types = read_types(find(1).unwrap_or(&[]))?;
    let imported = read_func_imports(find(2).unwrap_or(&[]))?;
    let defined = read_vec(find(3).ok_or("the wasm has no function section")?, |r| {
        r.u32()
    })?;
    let exports = read_exports(find(7).ok_or("the wasm has no export section")?)?;
    let code = find(10).ok_or("the wasm has no code section")?;

    let type_of = |f: u32| -> Result<u32, String> {
        let f = f as usize;
        let found = match f.checked_sub(imported.len()) {
            None => imported.get(f),
            Some(d) => defined.get(d),
        };
        found
            .copied()
            .ok_or_else(|| format!("an export names function {f}, which the wasm does not have"))
    };
    // One forwarder per exported function (several exports may name the same one).
    let mut targets: Vec<u32> = Vec::new();
    for (_, kind, index) in &exports {
        if *kind == 0 && !targets.contains(index) {
            targets.push(*index);
        }
    }
    let first = (imported.len() + defined.len()) as u32;
    let forwarder = |f: u32| first + targets.iter().position(|t| *t == f).unwrap() as u32;

    let mut function_section = leb((defined.len() + targets.len()) as u32);
    for t in &defined {
        function_section.extend(leb(*t));
    }
    for f in &targets {
        function_section.extend(leb(type_of(*f)?));
    }
    let (body_count, bodies) = Reader::new(code).vec_len()?;
    if body_count as usize != defined.len() {
        return Err("the wasm's code and function sections disagree".into());
    }
    let mut code_section = leb(body_count + targets.len() as u32);
    code_section.extend_from_slice(bodies);
    for f in &targets {
        let params = types
            .get(type_of(*f)? as usize)
            .ok_or("an exported function has a type the wasm does not have")?;
        let mut body = vec![0]; // no locals
        for p in 0..*params {
            body.push(0x20); // local.get
            body.extend(leb(p));
        }
        body.push(0x10); // call
        body.extend(leb(*f));
        body.push(0x0b); // end
        code_section.extend(leb(body.len() as u32));
        code_section.extend(body);
    }
    let mut export_section = leb(exports.len() as u32);
    for (name, kind, index) in &exports {
        export_section.extend(leb(name.len() as u32));
        export_section.extend_from_slice(name);
        export_section.push(*kind);
        export_section.extend(leb(if *kind == 0 {
            forwarder(*index)
        } else {
            *index
        }));
    }

    let mut out = wasm[..8].to_vec();
    for (id, content) in &sections {
        let replaced = match id {
            3 => Some(&function_section),
            7 => Some(&export_section),
            10 => Some(&code_section),
            _ => None,
        };
        let content = replaced.map_or(*content, |v| v.as_slice());
        out.push(*id);
        out.extend(leb(content.len() as u32));
        out.extend_from_slice(content);
    }
    Ok(out)
}

/// The indices of the functions a module exports, in export order.
pub fn exported_functions(wasm: &[u8]) -> Result<Vec<u32>, String> {
    let sections = sections(wasm)?;
    let exports = sections.iter().find(|s| s.0 == 7).map_or(&[][..], |s| s.1);
    Ok(read_exports(exports)?
        .into_iter()
        .filter(|e| e.1 == 0)
        .map(|e| e.2)
        .collect())
}

fn sections(wasm: &[u8]) -> Result<Vec<(u8, &[u8])>, String> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut r = Reader::new(&wasm[8..]);
    let mut found = Vec::new();
    while !r.done() {
        let id = r.byte()?;
        let len = r.u32()? as usize;
        found.push((id, r.take(len)?));
    }
    Ok(found)
}

/// Each type's parameter count (all our types are functions: `0x60 params results`).
fn read_types(section: &[u8]) -> Result<Vec<u32>, String> {
    read_vec(section, |r| {
        if r.byte()? != 0x60 {
            return Err("a type that is not a function type".into());
        }
        let params = r.u32()?;
        for _ in 0..params {
            r.valtype()?;
        }
        for _ in 0..r.u32()? {
            r.valtype()?;
        }
        Ok(params)
    })
}

/// The type of each imported function, in order (other imports are skipped).
fn read_func_imports(section: &[u8]) -> Result<Vec<u32>, String> {
    let mut types = Vec::new();
    read_vec(section, |r| {
        r.name()?;
        r.name()?;
        match r.byte()? {
            0 => types.push(r.u32()?),
            1 => {
                r.valtype()?; // a table: its element type and limits
                r.limits()?;
            }
            2 => r.limits()?,
            3 => {
                r.valtype()?;
                r.byte()?;
            }
            other => return Err(format!("an import of unknown kind {other}")),
        }
        Ok(())
    })?;
    Ok(types)
}

fn read_exports(section: &[u8]) -> Result<Vec<(Vec<u8>, u8, u32)>, String> {
    read_vec(section, |r| {
        let name = r.name()?.to_vec();
        Ok((name, r.byte()?, r.u32()?))
    })
}

fn read_vec<T>(
    section: &[u8],
    mut item: impl FnMut(&mut Reader) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let mut r = Reader::new(section);
    let count = r.u32()?;
    (0..count).map(|_| item(&mut r)).collect()
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("the wasm ends too early")?;
        self.at += 1;
        Ok(b)
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or("the wasm ends too early")?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let mut value = 0u32;
        for shift in (0..35).step_by(7) {
            let b = self.byte()?;
            if shift == 28 && b > 0x0f {
                break; // more than 32 bits
            }
            value |= u32::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a number in the wasm is too long".into())
    }
    fn name(&mut self) -> Result<&'a [u8], String> {
        let len = self.u32()? as usize;
        self.take(len)
    }
    /// A value type: one byte for numbers and the reference types wasm-bindgen uses.
    fn valtype(&mut self) -> Result<(), String> {
        match self.byte()? {
            0x7f | 0x7e | 0x7d | 0x7c | 0x7b | 0x70 | 0x6f => Ok(()),
            other => Err(format!("a value type this step does not know: {other:#x}")),
        }
    }
    fn limits(&mut self) -> Result<(), String> {
        let has_max = self.byte()? & 1 == 1;
        self.u32()?;
        if has_max {
            self.u32()?;
        }
        Ok(())
    }
    /// A vector's length and the rest of the section after it.
    fn vec_len(mut self) -> Result<(u32, &'a [u8]), String> {
        let count = self.u32()?;
        Ok((count, &self.bytes[self.at..]))
    }
}

fn leb(mut value: u32) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(id: u8, content: &[u8]) -> Vec<u8> {
        let mut s = vec![id];
        s.extend(leb(content.len() as u32));
        s.extend_from_slice(content);
        s
    }

    /// One import (i32) -> (), three functions (i32, i32) -> i32, exports of functions 3, 1
    /// and 3 again, and a memory export.
    fn module() -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend(section(
            1,
            &[2, 0x60, 1, 0x7f, 0, 0x60, 2, 0x7f, 0x7f, 1, 0x7f],
        ));
        m.extend(section(2, &[1, 1, b'a', 1, b'b', 0, 0]));
        m.extend(section(3, &[3, 1, 1, 1]));
        m.extend(section(5, &[1, 0, 1]));
        m.extend(section(
            7,
            &[
                4, 1, b'x', 0, 3, 1, b'y', 0, 1, 1, b'z', 0, 3, 1, b'm', 2, 0,
            ],
        ));
        let body = [0, 0x20, 0, 0x0b]; // local.get 0
        let mut code = vec![3];
        for _ in 0..3 {
            code.extend(leb(body.len() as u32));
            code.extend(body);
        }
        m.extend(section(10, &code));
        m
    }

    #[test]
    fn exports_move_to_forwarders_at_the_end_one_after_another() {
        let out = consecutive(&module()).unwrap();
        // Functions 0 (imported) to 3 stay; 4 forwards to 3, 5 to 1; x and z share one.
        assert_eq!(exported_functions(&out).unwrap(), [4, 5, 4]);
        let sections = sections(&out).unwrap();
        let get = |id| sections.iter().find(|s| s.0 == id).unwrap().1;
        assert_eq!(get(3), [5, 1, 1, 1, 1, 1]);
        let code = get(10);
        assert_eq!(code[0], 5);
        // The forwarders: no locals, both parameters, a call, the end.
        assert!(code.ends_with(&[
            8, 0, 0x20, 0, 0x20, 1, 0x10, 3, 0x0b, 8, 0, 0x20, 0, 0x20, 1, 0x10, 1, 0x0b
        ]));
        // The memory export is as it was, and nothing else changed.
        assert!(get(7).ends_with(&[1, b'm', 2, 0]));
        assert_eq!(get(5), [1, 0, 1]);
    }

    #[test]
    fn a_module_it_cannot_read_is_refused() {
        assert!(consecutive(b"not wasm").is_err());
        let mut cut = module();
        cut.truncate(cut.len() - 3);
        assert!(consecutive(&cut).is_err());
    }

    #[test]
    fn numbers_are_written_as_leb128() {
        assert_eq!(leb(0), [0]);
        assert_eq!(leb(127), [127]);
        assert_eq!(leb(128), [0x80, 1]);
        assert_eq!(leb(624_485), [0xe5, 0x8e, 0x26]);
        assert_eq!(Reader::new(&[0xe5, 0x8e, 0x26]).u32().unwrap(), 624_485);
        assert_eq!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f]).u32().unwrap(),
            u32::MAX
        );
        assert!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x1f]).u32().is_err());
    }
}
