# SPDX-License-Identifier: GPL-2.0
# bash completion for vmprof(1).  Installed as
# /usr/share/bash-completion/completions/vmprof by 'make install'.
# The option lists are checked against 'vmprof COMMAND --help' and the
# man pages by tests/report/options-sync.sh.

_vmprof_pids()
{
	# VMM processes first: those holding a /dev/kvm file.
	local p pids=
	for p in /proc/[0-9]*; do
		[ -r "$p/fd" ] || continue
		if ls -l "$p/fd" 2>/dev/null | grep -q '/dev/kvm'; then
			pids="$pids ${p#/proc/}"
		fi
	done
	[ -n "$pids" ] || pids=$(cd /proc && echo [0-9]*)
	COMPREPLY=($(compgen -W "$pids" -- "$cur"))
}

_vmprof()
{
	local cur prev words cword
	_init_completion || return

	local commands="record report help version"
	local main_opts="-v --verbose -h --help --version"
	local record_opts="-p --pid -a --all-cpus -e --event -F --freq
		-c --count --switch -o --output -d --duration --ring-pages
		-m --mmap-pages -q --quiet -h --help"
	local report_opts="-i --input --guest-vmlinux --guestvmlinux
		--guest-system-map --guest-kallsyms --guestkallsyms
		--guest-modules --guestmodules --kaslr-offset --no-demangle
		-s --sort -F --fields --percent-limit --vm --pid --tid --comm
		--vcpu --time --dsos -S --symbols --format --stdio --split-vcpu
		--header-only -o --output --exits -h --help"
	local events="cycles instructions cache-misses branch-misses cpu-clock"
	local formats="text json folded svg perf-script pprof"
	local sort_keys="sym dso context vcpu exit vm vmm_sym"
	local fields="overhead samples period vmm exits sym dso context vcpu
		exit vm vmm_sym srcline"

	local i cmd=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$main_opts" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	case $cmd in
	record)
		case $prev in
		-p|--pid)
			_vmprof_pids
			return ;;
		-e|--event)
			COMPREPLY=($(compgen -W "$events" -- "$cur"))
			return ;;
		--switch)
			COMPREPLY=($(compgen -W "cpu domain" -- "$cur"))
			return ;;
		-o|--output)
			_filedir
			return ;;
		-F|--freq|-c|--count|-d|--duration|--ring-pages|-m|--mmap-pages)
			return ;;
		esac
		# After "--": complete the command to run.
		for ((i = 2; i < cword; i++)); do
			if [ "${words[i]}" = -- ]; then
				_command_offset $((i + 1))
				return
			fi
		done
		COMPREPLY=($(compgen -W "$record_opts --" -- "$cur"))
		;;
	report)
		case $prev in
		-i|--input|--guest-vmlinux|--guestvmlinux|--guest-system-map|\
		--guest-kallsyms|--guestkallsyms|--guest-modules|--guestmodules|\
		-o|--output)
			_filedir
			return ;;
		--format)
			COMPREPLY=($(compgen -W "$formats" -- "$cur"))
			return ;;
		-s|--sort|-F|--fields)
			local pre=${cur%"${cur##*,}"} words=$sort_keys
			case $prev in -F|--fields) words=$fields ;; esac
			COMPREPLY=($(compgen -P "$pre" -W "$words" -- "${cur##*,}"))
			compopt -o nospace 2>/dev/null
			return ;;
		--vm|--pid)
			_vmprof_pids
			return ;;
		--kaslr-offset|--vcpu|--percent-limit|--tid|--comm|--time|\
		--dsos|-S|--symbols)
			return ;;
		esac
		COMPREPLY=($(compgen -W "$report_opts" -- "$cur"))
		;;
	help)
		COMPREPLY=($(compgen -W "record report" -- "$cur"))
		;;
	esac
} &&
complete -F _vmprof vmprof
