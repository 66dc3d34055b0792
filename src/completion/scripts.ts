/**
 * The scripts `robofy completion <shell>` prints. Each is a thin shim: on Tab
 * it asks `robofy __complete <words>` (the name cli.ts gives) for the candidates, so every shell
 * completes from the same commander program and none can drift from it.
 * When robofy offers nothing (a file after --output), the shell completes
 * file names.
 */
export type Shell = 'bash' | 'zsh' | 'fish';

const bash = (complete: string): string => `# robofy completion for bash. Load it with:  source <(robofy completion bash)
_robofy() {
  local IFS=$'\\n'
  local -a lines
  lines=($(robofy ${complete} "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  # Each line is a candidate, then a tab and its description, which bash does not show.
  COMPREPLY=("\${lines[@]%%$'\\t'*}")
}
complete -o default -F _robofy robofy
`;

const zsh = (complete: string): string => `#compdef robofy
# robofy completion for zsh. Load it with:  source <(robofy completion zsh)
# (after compinit), or save it as _robofy in a folder of your $fpath.
_robofy() {
  local -a lines values shown
  local line
  lines=("\${(@f)$(robofy ${complete} "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  # Each line is a candidate, then a tab and its description if it has one.
  for line in "\${lines[@]}"; do
    [[ -z "$line" ]] && continue
    values+=("\${line%%$'\\t'*}")
    if [[ "$line" == *$'\\t'* ]]; then shown+=("\${line%%$'\\t'*}  -- \${line#*$'\\t'}"); else shown+=("$line"); fi
  done
  if (( \${#values} )); then
    compadd -l -d shown -- "\${values[@]}"
  else
    _files
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _robofy "$@"
else
  compdef _robofy robofy
fi
`;

const fish = (complete: string): string => `# robofy completion for fish. Load it with:  robofy completion fish | source
# or save it as ~/.config/fish/completions/robofy.fish
function __robofy_complete
    set -l words (commandline -opc)
    set -l candidates (robofy ${complete} $words[2..-1] "$(commandline -ct)" 2>/dev/null)
    if test (count $candidates) -gt 0
        printf '%s\\n' $candidates
    else
        __fish_complete_path "$(commandline -ct)"
    end
end
complete -c robofy -f -a '(__robofy_complete)'
`;

/** The script for `shell`; on Tab it runs `robofy <complete> <words>`. */
export function completionScript(shell: Shell, complete: string): string {
  return { bash, zsh, fish }[shell](complete);
}
