#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dashscope_asr_fuzz::responses(data));
