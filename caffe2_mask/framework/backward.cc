#include "caffe2_mask/framework/backward.h"

#include <algorithm>
#include <set>
#include <utility>

#include "caffe2_mask/core/proto_utils.h"
#include "registry/gradient.h"

namespace caffe2 {

namespace {
// A blob at one version: version v is what the v-th writer of the blob left (0: the net's input).
using VersionedBlob = std::pair<std::string, int>;

// One contribution to a versioned blob's gradient (Caffe2's GradGenMeta): written by output `output`
// of gradient_ops_[op], or, when op < 0, passed through by a maker (SetDense(i, GO(j))) under `name`.
struct GradientPart {
  int op = -1;
  int output = 0;
  std::string name;
  // The part overwrites an output gradient that a later operator of the same maker still reads: an
  // in-place forward op reading its input twice (x = x + x gives Scale(x_grad -> x_grad), then
  // Scale(x_grad -> ...)). Such a part must not keep its name when there are several.
  bool overwrites_output_gradient = false;
};

class GradientBuilder {
 public:
  explicit GradientBuilder(NetDef* net) : net_(net) {}

  std::map<std::string, std::string> Build(const std::vector<std::string>& seeds) {
    CAFFE_ENFORCE(!seeds.empty(), "the backward pass needs at least one blob to seed with a gradient");
    RecordVersions();
    const int forward_ops = net_->op_size();
    std::vector<VersionedBlob> seeded;
    for (const auto& seed : seeds) {
      CAFFE_ENFORCE(current_version_.count(seed) > 0, "cannot seed the gradient of blob '", seed,
                    "': no operator of ", NetName(), " writes or reads it");
      const std::string grad = GradientMakerBase::GradientName(seed);
      OperatorDef fill = CreateOperatorDef("ConstantFill", "", {seed}, {grad}, {MakeArgument("value", 1.0f)});
      fill.set_is_gradient_op(true);
      gradient_ops_.push_back(std::move(fill));
      const VersionedBlob blob{seed, current_version_[seed]};
      parts_[blob].push_back({static_cast<int>(gradient_ops_.size()) - 1, 0, grad});
      // A seed counts as a use after the last operator (as in Caffe2), so a seed nobody reads is final now.
      first_use_.emplace(blob, forward_ops);
      seeded.push_back(blob);
    }
    for (const auto& blob : seeded) {
      if (first_use_[blob] == forward_ops) Accumulate(blob);
    }
    for (int position = forward_ops - 1; position >= 0; --position) {
      Backward(position);
      // Every reader of these versions has now added its part (the walk is in reverse): sum them.
      const OperatorDef& op = net_->op(position);
      for (int i = 0; i < op.input_size(); ++i) {
        const VersionedBlob blob{op.input(i), input_versions_[position][i]};
        if (first_use_[blob] == position) Accumulate(blob);
      }
    }
    for (auto& op : gradient_ops_) *net_->add_op() = std::move(op);
    return gradient_names_;
  }

 private:
  std::string NetName() const { return net_->name().empty() ? "the net" : "net '" + net_->name() + "'"; }

  void RecordVersions() {
    for (int position = 0; position < net_->op_size(); ++position) {
      const OperatorDef& op = net_->op(position);
      std::vector<int> inputs, outputs;
      for (const auto& in : op.input()) {
        inputs.push_back(current_version_[in]);
        first_use_.emplace(VersionedBlob{in, inputs.back()}, position);
      }
      for (const auto& out : op.output()) outputs.push_back(++current_version_[out]);
      input_versions_.push_back(std::move(inputs));
      output_versions_.push_back(std::move(outputs));
    }
  }

  // Makes the parts of `blob`'s gradient one blob. Several parts are summed the way Caffe2's
  // _MakeDenseSumOps does: the Sum writes the name of the first part an operator writes (or
  // `<blob>_grad` if every part is passed through); that first part keeps its name, every other
  // written part is renamed `_<name>_autosplit_<k>`, k = 0, 1, ... Beyond Caffe2, which raised an
  // error or computed a wrong sum here, the first written part is renamed too when keeping its name
  // would overwrite a blob the sum or a later gradient operator still reads.
  void Accumulate(const VersionedBlob& blob) {
    auto it = parts_.find(blob);
    // Once per version, though an operator may read it twice or a seed be listed twice.
    if (it == parts_.end() || it->second.empty() || gradient_.count(blob) > 0) return;
    std::vector<GradientPart>& parts = it->second;
    std::string grad;
    if (parts.size() == 1) {
      grad = parts[0].name;
    } else {
      std::set<std::string> passed;
      for (const auto& part : parts) {
        if (part.op < 0) passed.insert(part.name);
      }
      grad = GradientMakerBase::GradientName(blob.first);
      bool first_written = true;
      int renamed = 0;
      std::vector<std::string> inputs;
      for (auto& part : parts) {
        if (part.op >= 0) {
          if (first_written) grad = part.name;
          const bool keep = first_written && passed.count(part.name) == 0 && !part.overwrites_output_gradient;
          first_written = false;
          if (!keep) {
            part.name = MakeString("_", part.name, "_autosplit_", renamed++);
            *gradient_ops_[part.op].mutable_output(part.output) = part.name;
          }
        }
        inputs.push_back(part.name);
      }
      // Sum works in place only on its first input.
      auto in_place = std::find(inputs.begin(), inputs.end(), grad);
      if (in_place != inputs.end()) std::iter_swap(inputs.begin(), in_place);
      OperatorDef sum = CreateOperatorDef("Sum", "", inputs, {grad});
      sum.set_is_gradient_op(true);
      gradient_ops_.push_back(std::move(sum));
    }
    gradient_[blob] = grad;
    // Walking backwards, the last version summed is the earliest: the gradient callers ask for.
    gradient_names_[blob.first] = grad;
  }

  void Backward(int position) {
    const OperatorDef& op = net_->op(position);
    std::vector<GradientWrapper> g_output(op.output_size());
    bool any = false;
    for (int j = 0; j < op.output_size(); ++j) {
      auto it = gradient_.find({op.output(j), output_versions_[position][j]});
      if (it == gradient_.end()) continue;
      g_output[j].dense_ = it->second;
      any = true;
    }
    if (!any) return;  // no gradient reaches this operator

    GradientOpsMeta meta;
    try {
      meta = GetGradientForOp(op, g_output);
    } catch (EnforceNotMet& error) {
      error.AppendMessage(MakeString("while building the gradient of operator #", position, " ",
                                     OperatorSummary(op), " in ", NetName()));
      throw;
    }
    const int inputs = std::min(op.input_size(), static_cast<int>(meta.g_input_.size()));
    // Each output of a gradient operator that writes an input's gradient is one part of it, so
    // Sum(c, c) whose maker writes c_grad twice gives two parts (Caffe2 attributes an output to the
    // first input whose gradient has that name; inputs of one name are one versioned blob).
    std::set<std::string> written;
    for (size_t n = 0; n < meta.ops_.size(); ++n) {
      const int index = static_cast<int>(gradient_ops_.size() + n);
      const OperatorDef& grad_op = meta.ops_[n];
      for (int k = 0; k < grad_op.output_size(); ++k) {
        const std::string& out = grad_op.output(k);
        written.insert(out);
        for (int i = 0; i < inputs; ++i) {
          if (meta.g_input_[i].dense_ != out) continue;
          for (int other = i + 1; other < inputs; ++other) {
            CAFFE_ENFORCE(meta.g_input_[other].dense_ != out || op.input(other) == op.input(i),
                          "the gradient maker of ", OperatorSummary(op), " in ", NetName(),
                          " gives inputs ", i, " ('", op.input(i), "') and ", other, " ('", op.input(other),
                          "') the one gradient blob '", out, "'; distinct inputs need distinct gradients");
          }
          GradientPart part{index, k, out};
          const bool output_gradient = std::any_of(g_output.begin(), g_output.end(),
                                                   [&](const GradientWrapper& g) { return g.dense_ == out; });
          for (size_t later = n + 1; output_gradient && later < meta.ops_.size(); ++later) {
            const auto& in = meta.ops_[later].input();
            part.overwrites_output_gradient |= std::find(in.begin(), in.end(), out) != in.end();
          }
          parts_[{op.input(i), input_versions_[position][i]}].push_back(std::move(part));
          break;
        }
      }
    }
    for (auto& grad_op : meta.ops_) gradient_ops_.push_back(std::move(grad_op));
    // A gradient no operator writes is passed through, once per input that gets it.
    for (int i = 0; i < inputs; ++i) {
      const std::string& g = meta.g_input_[i].dense_;
      if (!g.empty() && written.count(g) == 0) parts_[{op.input(i), input_versions_[position][i]}].push_back({-1, 0, g});
    }
  }

  NetDef* net_;
  std::map<std::string, int> current_version_;
  std::vector<std::vector<int>> input_versions_;
  std::vector<std::vector<int>> output_versions_;
  // The forward position of each version's first reader; seeds read after the last operator.
  std::map<VersionedBlob, int> first_use_;
  std::map<VersionedBlob, std::vector<GradientPart>> parts_;
  // The whole gradient of each versioned blob, once its parts are summed.
  std::map<VersionedBlob, std::string> gradient_;
  std::vector<OperatorDef> gradient_ops_;
  std::map<std::string, std::string> gradient_names_;
};
}  // namespace

std::map<std::string, std::string> AddGradientOperators(NetDef* net,
                                                        const std::vector<std::string>& seed_blobs) {
  CAFFE_ENFORCE(net != nullptr, "AddGradientOperators needs a net");
  NetDef result = *net;
  auto names = GradientBuilder(&result).Build(seed_blobs);
  // Only a net whose whole backward pass was built is changed.
  *net = std::move(result);
  return names;
}

}  // namespace caffe2
