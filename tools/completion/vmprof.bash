# SPDX-License-Identifier: GPL-2.0
# bash completion for vmprof(1).  Installed as
# /usr/share/bash-completion/completions/vmprof by 'make install'.
# The option lists are checked against 'vmprof COMMAND --help' and the
# man pages by tests/report/options-sync.sh.

# _vmprof_vms VMPROF names|pids|both: complete the VM names that
# 'vmprof list' finds, the PIDs of their VMMs, or both, each quoted for
# the shell.
_vmprof_vms()
{
	local IFS=$'\n' vms= w
	if [ "$2" != pids ]; then
		vms=$("$1" list --name 2>/dev/null | sort -u)
	fi
	if [ "$2" != names ]; then
		vms+=$'\n'$("$1" list 2>/dev/null | awk 'NR > 1 { print $1 }')
	fi
	COMPREPLY=()
	for w in $(compgen -W "$vms" -- "$cur"); do
		COMPREPLY+=("$(printf '%q' "$w")")
	done
}

_vmprof()
{
	local cur prev words cword
	_init_completion || return

	local commands="record report list top buildid-cache help version"
	local main_opts="-v --verbose -h --help --version"
	local record_opts="-p --pid --vm -a --all-cpus -e --event -F --freq
		-c --count --switch -o --output -d --duration --ring-pages
		-m --mmap-pages --guest-introspect --guest-vmlinux --guest-root
		-g --call-graph -q --quiet -h --help"
	local report_opts="-i --input --guest-vmlinux --guestvmlinux
		--guest-system-map --guest-kallsyms --guestkallsyms
		--guest-modules --guestmodules --kaslr-offset --no-demangle
		-s --sort -F --fields --percent-limit --vm --pid --tid --comm
		--vcpu --time --dsos -S --symbols --format --stdio --split-vcpu
		--header-only -o --output --exits --guest-root --guest-comm
		--guest-pid --guest-tid -g --call-graph -G --inverted
		--children --no-children --max-stack -h --help"
	local list_opts="--format --name -h --help"
	local buildid_cache_opts="-a --add -r --remove -l --list -h --help"
	local top_opts="-p --pid --vm -e --event -F --freq --switch
		--guest-vmlinux --guest-system-map --guest-kallsyms
		--kaslr-offset -E --entries -d --duration --stdio -h --help"
	local events="cycles instructions cache-misses branch-misses cpu-clock"
	local formats="text json folded svg perf-script pprof"
	local sort_keys="sym dso context vcpu exit vm vmm_sym comm pid tid"
	local fields="overhead children samples period vmm exits sym dso context
		vcpu exit vm vmm_sym comm pid tid srcline"

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
			_vmprof_vms "${words[0]}" both
			return ;;
		--vm)
			_vmprof_vms "${words[0]}" names
			return ;;
		-e|--event)
			COMPREPLY=($(compgen -W "$events" -- "$cur"))
			return ;;
		--switch)
			COMPREPLY=($(compgen -W "cpu domain" -- "$cur"))
			return ;;
		--call-graph)
			COMPREPLY=($(compgen -W "orc fp dwarf" -- "$cur"))
			return ;;
		-o|--output|--guest-vmlinux)
			_filedir
			return ;;
		--guest-root)
			_filedir -d
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
		--guest-root)
			_filedir -d
			return ;;
		--vm|--pid)
			_vmprof_vms "${words[0]}" pids
			return ;;
		--call-graph)
			local pre=${cur%"${cur##*,}"}
			COMPREPLY=($(compgen -P "$pre" -W "graph flat folded none caller callee" -- "${cur##*,}"))
			compopt -o nospace 2>/dev/null
			return ;;
		--kaslr-offset|--vcpu|--percent-limit|--tid|--comm|--time|\
		--dsos|-S|--symbols|--guest-comm|--guest-pid|--guest-tid|\
		--max-stack)
			return ;;
		esac
		COMPREPLY=($(compgen -W "$report_opts" -- "$cur"))
		;;
	list)
		case $prev in
		--format)
			COMPREPLY=($(compgen -W "text json" -- "$cur"))
			return ;;
		esac
		COMPREPLY=($(compgen -W "$list_opts" -- "$cur"))
		;;
	top)
		case $prev in
		-p|--pid)
			_vmprof_vms "${words[0]}" both
			return ;;
		--vm)
			_vmprof_vms "${words[0]}" names
			return ;;
		-e|--event)
			COMPREPLY=($(compgen -W "$events" -- "$cur"))
			return ;;
		--switch)
			COMPREPLY=($(compgen -W "cpu domain" -- "$cur"))
			return ;;
		--call-graph)
			COMPREPLY=($(compgen -W "orc fp dwarf" -- "$cur"))
			return ;;
		--guest-vmlinux|--guest-system-map|--guest-kallsyms)
			_filedir
			return ;;
		-F|--freq|-E|--entries|-d|--duration|--kaslr-offset)
			return ;;
		esac
		COMPREPLY=($(compgen -W "$top_opts" -- "$cur"))
		;;
	buildid-cache)
		case $prev in
		-a|--add|-r|--remove)
			_filedir
			return ;;
		esac
		COMPREPLY=($(compgen -W "$buildid_cache_opts" -- "$cur"))
		;;
	help)
		COMPREPLY=($(compgen -W "record report list top buildid-cache" -- "$cur"))
		;;
	esac
} &&
complete -F _vmprof vmprof
