//! Fargate's allowed task sizes (AWS ECS Developer Guide, "Task CPU and memory").

/// For each Fargate task CPU value: the smallest and largest memory (MiB) and the step.
const SIZES: [(u32, u32, u32, u32); 7] = [
    (256, 512, 2048, 1024),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// Checks a Fargate task size; the error says what this CPU value allows.
pub(crate) fn check_size(cpu: u32, memory: u32) -> Result<(), String> {
    let Some(&(_, min, max, step)) = SIZES.iter().find(|(c, ..)| *c == cpu) else {
        let allowed: Vec<String> = SIZES.iter().map(|(c, ..)| c.to_string()).collect();
        return Err(format!(
            "Fargate does not offer cpu {cpu}; allowed: {}",
            allowed.join(", ")
        ));
    };
    // 256 CPU allows 512, 1024 and 2048: every step from 1024 on, plus 512.
    let on_step = memory.is_multiple_of(step) || (cpu == 256 && memory == 512);
    if (min..=max).contains(&memory) && on_step {
        return Ok(());
    }
    let allowed = if cpu == 256 {
        "512, 1024 or 2048 MiB".to_owned()
    } else {
        format!("{min} to {max} MiB in steps of {step}")
    };
    Err(format!(
        "Fargate does not offer memory {memory} MiB with cpu {cpu}; allowed: {allowed}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_sizes_are_accepted() {
        for (cpu, memory) in [
            (256, 512),
            (256, 1024),
            (256, 2048),
            (512, 4096),
            (1024, 2048),
            (4096, 30720),
            (8192, 20480),
            (16384, 122880),
        ] {
            assert_eq!(check_size(cpu, memory), Ok(()), "cpu {cpu} memory {memory}");
        }
    }

    #[test]
    fn sizes_fargate_rejects_say_what_is_allowed() {
        assert_eq!(
            check_size(1024, 1024),
            Err("Fargate does not offer memory 1024 MiB with cpu 1024; allowed: 2048 to 8192 MiB in steps of 1024".into())
        );
        assert!(check_size(8192, 18432).is_err(), "8 vCPU needs 4 GiB steps");
        assert!(
            check_size(256, 1536).is_err(),
            "0.25 vCPU offers no 1.5 GiB"
        );
        assert_eq!(
            check_size(300, 1024),
            Err(
                "Fargate does not offer cpu 300; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384"
                    .into()
            )
        );
    }
}
